package notify

import (
	"context"
	"slices"
	"sync"

	"addingov/storage"
)

// recordingActor records the actions it is asked to carry out.
type recordingActor struct {
	mu   sync.Mutex
	acts []Action
}

func (r *recordingActor) Act(_ context.Context, n storage.Notice, a Action) Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acts = append(r.acts, a)
	return Reply{Title: n.AddinName + " is on again", Text: "done"}
}

func (r *recordingActor) got() []Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.acts)
}
