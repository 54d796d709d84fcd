package mcp

import "sync"

// buffers recycles read and write buffers between calls. The zero value
// is ready to use; a nil *buffers hands out fresh buffers and keeps none.
type buffers struct {
	pool sync.Pool
}

// maxPooled is the largest buffer kept for reuse; bigger ones are dropped.
const maxPooled = 64 << 10

func (b *buffers) get() *[]byte {
	if b != nil {
		if p, ok := b.pool.Get().(*[]byte); ok {
			return p
		}
	}
	p := make([]byte, 0, 4096)
	return &p
}

func (b *buffers) put(p *[]byte) {
	if b != nil && cap(*p) <= maxPooled {
		*p = (*p)[:0]
		b.pool.Put(p)
	}
}
