package engine

// mixOrder spreads weighted entries over one cycle with smooth weighted
// round-robin, so arrival n sends entry order[n % len(order)]: exact shares
// over every full cycle, evenly interleaved, and no random draw per request.
func mixOrder(weights []int) []int {
	g := 0
	for _, w := range weights {
		g = gcd(g, w)
	}
	total := 0
	reduced := make([]int, len(weights))
	for i, w := range weights {
		reduced[i] = w / g
		total += reduced[i]
	}
	order := make([]int, 0, total)
	current := make([]int, len(weights))
	for range total {
		best := 0
		for i, w := range reduced {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, best)
	}
	return order
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
