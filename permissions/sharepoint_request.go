package permissions

import (
	"fmt"
	"strconv"
	"strings"
)

// Request is one permission request as an add-in's manifest writes it
// (<AppPermissionRequest Scope="…" Right="…"><Property Name="…" Value="…"/>).
type Request struct {
	Scope      string            `json:"scope"`
	Right      string            `json:"right"`
	Properties map[string]string `json:"properties,omitempty"`
}

// PropertyBaseTemplateID narrows the list scope to lists of one base template.
const PropertyBaseTemplateID = "BaseTemplateId"

// Ignored is a request SharePoint does not know: it is neither granted nor asked for.
type Ignored struct {
	Request Request `json:"request"`
	Reason  string  `json:"reason"`
}

// knownRequest is a request SharePoint knows, with its list template filter if any.
type knownRequest struct {
	Permission
	baseTemplate    int  // meaningful when hasBaseTemplate
	hasBaseTemplate bool // the request names a BaseTemplateId
}

// classifyRequests splits requests into those SharePoint knows and those it ignores,
// with the reason. A BaseTemplateId that is not an integer makes the request unknown:
// SharePoint could not narrow the list choice with it.
func classifyRequests(reqs []Request) ([]knownRequest, []Ignored) {
	var known []knownRequest
	var ignored []Ignored
	for _, r := range reqs {
		p, err := ParsePermission(r.Scope, r.Right)
		if err != nil {
			ignored = append(ignored, Ignored{Request: r, Reason: ignoreReason(err)})
			continue
		}
		k := knownRequest{Permission: p}
		if v, ok := property(r.Properties, PropertyBaseTemplateID); ok {
			if p.Scope != ScopeList {
				ignored = append(ignored, Ignored{Request: r, Reason: fmt.Sprintf("the %s property applies only to the list scope %s", PropertyBaseTemplateID, ScopeList)})
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				ignored = append(ignored, Ignored{Request: r, Reason: fmt.Sprintf("%s %q is not an integer list template id", PropertyBaseTemplateID, v)})
				continue
			}
			k.baseTemplate, k.hasBaseTemplate = n, true
		}
		known = append(known, k)
	}
	return known, ignored
}

func ignoreReason(err error) string {
	// The sentinel errors already say which kind of unknown it is.
	return err.Error()
}

// property looks a property up by name, case-insensitively.
func property(props map[string]string, name string) (string, bool) {
	for k, v := range props {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return v, true
		}
	}
	return "", false
}

// KnownPermissions returns the permissions SharePoint knows among reqs and the ones it
// ignores, with the reason for each.
func KnownPermissions(reqs []Request) ([]Permission, []Ignored) {
	known, ignored := classifyRequests(reqs)
	out := make([]Permission, len(known))
	for i, k := range known {
		out[i] = k.Permission
	}
	return out, ignored
}

// Location names the object an operation concerns and its containers: the id of the
// list, web and site collection, keyed by content scope. Missing entries mean "not
// known" and only match grants and holdings that name no object.
type Location map[Scope]string

// Holding is a right a user (or a grant) has at a scope, optionally on one object only
// (a list id, a web id). An empty ObjectID holds the right wherever the scope applies.
type Holding struct {
	Scope    Scope  `json:"scope"`
	Right    Right  `json:"right"`
	ObjectID string `json:"object_id,omitempty"`
}

// covers reports whether the holding gives p at loc: its scope covers p's, its right
// includes p's, and if it names an object, loc has that object at the holding's scope.
func (h Holding) covers(p Permission, loc Location) bool {
	if !(Permission{Scope: h.Scope, Right: h.Right}).Covers(p) {
		return false
	}
	return h.ObjectID == "" || loc[h.Scope] == h.ObjectID
}

// holds reports whether any of hs gives p at loc.
func holds(hs []Holding, p Permission, loc Location) bool {
	for _, h := range hs {
		if h.covers(p, loc) {
			return true
		}
	}
	return false
}

// ListChoice is the list the installing user picked for a list-scope request.
type ListChoice struct {
	ListID         string `json:"list_id"`
	BaseTemplateID int    `json:"base_template_id"`
}
