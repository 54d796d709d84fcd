package deploy

import (
	"context"
	"errors"
)

// Actions carry out a rollout on real infrastructure. The built-in Router
// provides them through Router.Actions; a script that drives a real load
// balancer or deploy API supplies its own. An action's error rolls the
// rollout back and becomes Result.Err (wrapped, so errors.Is and As see
// it, and with its message intact: a binding puts the script's file:line
// there).
type Actions interface {
	// Start brings the new version up before any traffic moves to it.
	Start(ctx context.Context) error
	// SetWeights moves traffic. w names the old and the new route, in
	// percent summing to 100.
	SetWeights(ctx context.Context, w Weights) error
	// Cleanup runs once the rollout has ended Promoted (retire the old
	// version), RolledBack or Aborted (retire the new one); res says
	// which. It is not called for a Paused rollout.
	Cleanup(ctx context.Context, res *Result) error
}

// ActionFuncs makes Actions of functions; a nil function does nothing,
// except SetWeightsFunc, which is required.
type ActionFuncs struct {
	StartFunc      func(ctx context.Context) error
	SetWeightsFunc func(ctx context.Context, w Weights) error
	CleanupFunc    func(ctx context.Context, res *Result) error
}

// Start calls StartFunc.
func (a ActionFuncs) Start(ctx context.Context) error {
	if a.StartFunc == nil {
		return nil
	}
	return a.StartFunc(ctx)
}

// SetWeights calls SetWeightsFunc.
func (a ActionFuncs) SetWeights(ctx context.Context, w Weights) error {
	if a.SetWeightsFunc == nil {
		return errors.New("deploy: ActionFuncs.SetWeightsFunc is nil")
	}
	return a.SetWeightsFunc(ctx, w)
}

// Cleanup calls CleanupFunc.
func (a ActionFuncs) Cleanup(ctx context.Context, res *Result) error {
	if a.CleanupFunc == nil {
		return nil
	}
	return a.CleanupFunc(ctx, res)
}

// Actions returns the router as rollout Actions: SetWeights sets its
// weights; Start and Cleanup do nothing (its routes' backends run
// elsewhere).
func (r *Router) Actions() Actions { return routerActions{r} }

type routerActions struct{ r *Router }

func (routerActions) Start(ctx context.Context) error { return nil }

func (a routerActions) SetWeights(ctx context.Context, w Weights) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return a.r.SetWeights(w)
}

func (routerActions) Cleanup(ctx context.Context, res *Result) error { return nil }
