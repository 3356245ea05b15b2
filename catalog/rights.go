package catalog

import (
	"fmt"
	"strings"

	"addingov/localapi"
	"addingov/permissions"
)

// holdings converts the rights a request says a user holds; an unknown scope or right
// is the caller's mistake (400), not something to ignore, since ignoring it would
// silently narrow what the user may grant or do.
func holdings(rights []UserRight) ([]permissions.Holding, error) {
	out := make([]permissions.Holding, 0, len(rights))
	for i, r := range rights {
		p, err := permissions.ParsePermission(r.Scope, r.Right)
		if err != nil {
			return nil, localapi.BadRequest("user_rights[%d]: %v", i, err)
		}
		out = append(out, permissions.Holding{Scope: p.Scope, Right: p.Right, ObjectID: r.ObjectID})
	}
	return out, nil
}

// location builds where a SharePoint call lands: the containers named by scope, and
// the object at the call's own scope.
func location(scope permissions.Scope, objectID string, containers map[string]string) (permissions.Location, error) {
	loc := permissions.Location{}
	for k, v := range containers {
		s, err := permissions.ParseScope(k)
		if err != nil {
			return nil, localapi.BadRequest("location: %v", err)
		}
		loc[s] = v
	}
	if objectID != "" {
		loc[scope] = objectID
	}
	return loc, nil
}

// ParseUserRights parses the CLI's --user-rights list: comma-separated
// "scope-uri:Right" entries, each optionally followed by "@OBJECT-ID" to hold the right
// on one object only.
func ParseUserRights(s string) ([]UserRight, error) {
	var out []UserRight
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		entry, object, _ := strings.Cut(part, "@")
		p, err := permissions.ParseSharePointEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("--user-rights: %w", err)
		}
		out = append(out, UserRight{Scope: string(p.Scope), Right: string(p.Right), ObjectID: strings.TrimSpace(object)})
	}
	return out, nil
}
