// Package props holds the property-map helpers both stand-in providers share: reading typed inputs (through
// secret markers), type checks for Check, ignoreChanges, and unknown placeholders for previews.
package props

import (
	"fmt"
	"math"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// Plain returns v with every secret marker removed (the values kept), for comparisons and for using a value.
func Plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return Plain(v.SecretValue().Element)
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = Plain(e)
		}
		return resource.NewArrayProperty(out)
	case v.IsObject():
		return resource.NewObjectProperty(PlainMap(v.ObjectValue()))
	}
	return v
}

// PlainMap is Plain for every value of m.
func PlainMap(m resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[k] = Plain(v)
	}
	return out
}

// Set reports whether m holds a non-null value at k (unknowns count as set).
func Set(m resource.PropertyMap, k string) bool {
	v, ok := m[resource.PropertyKey(k)]
	return ok && !Plain(v).IsNull()
}

// Unknown is the placeholder for an output not known until the resource exists (previews).
func Unknown() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// Kind is a property type as the schema names it.
type Kind int

const (
	String Kind = iota
	Integer
	Boolean
	StringMap   // object, additionalProperties string
	StringArray // array of string
	AnyArray    // array of pulumi.json#/Any
)

func (k Kind) String() string {
	return [...]string{"string", "integer", "boolean", "map of strings", "list of strings", "list"}[k]
}

// CheckKinds checks that every set, known value of m whose key is in kinds has that kind (through secret
// markers; unknowns pass). The failures come sorted by property.
func CheckKinds(m resource.PropertyMap, kinds map[string]Kind) []plugin.CheckFailure {
	var failures []plugin.CheckFailure
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := m[resource.PropertyKey(k)]
		if !ok {
			continue
		}
		if msg := kindError(Plain(v), kinds[k]); msg != "" {
			failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k),
				Reason: fmt.Sprintf("%s: %s", k, msg)})
		}
	}
	return failures
}

func kindError(v resource.PropertyValue, want Kind) string {
	if v.IsNull() || v.IsComputed() || v.IsOutput() {
		return ""
	}
	bad := fmt.Sprintf("expected a %v, got a %s", want, v.TypeString())
	switch want {
	case String:
		if !v.IsString() {
			return bad
		}
	case Integer:
		if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) {
			return bad
		}
	case Boolean:
		if !v.IsBool() {
			return bad
		}
	case StringMap:
		if !v.IsObject() {
			return bad
		}
		for k, e := range v.ObjectValue() {
			if msg := kindError(e, String); msg != "" {
				return fmt.Sprintf("[%q]: %s", k, msg)
			}
		}
	case StringArray, AnyArray:
		if !v.IsArray() {
			return bad
		}
		if want == StringArray {
			for i, e := range v.ArrayValue() {
				if msg := kindError(e, String); msg != "" {
					return fmt.Sprintf("[%d]: %s", i, msg)
				}
			}
		}
	}
	return ""
}

// GetString returns the string at k (secrets unwrapped); "" and false when absent or null.
func GetString(m resource.PropertyMap, k string) (string, bool) {
	v := Plain(m[resource.PropertyKey(k)])
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// GetBool returns the bool at k, def when absent or null.
func GetBool(m resource.PropertyMap, k string, def bool) bool {
	v := Plain(m[resource.PropertyKey(k)])
	if !v.IsBool() {
		return def
	}
	return v.BoolValue()
}

// GetInt returns the integer at k, def when absent or null.
func GetInt(m resource.PropertyMap, k string, def int64) int64 {
	v := Plain(m[resource.PropertyKey(k)])
	if !v.IsNumber() {
		return def
	}
	return int64(v.NumberValue())
}

// GetStrings returns the list of strings at k (nil when absent or null).
func GetStrings(m resource.PropertyMap, k string) []string {
	v := Plain(m[resource.PropertyKey(k)])
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// GetStringMap returns the map of strings at k (nil when absent or null), keys sorted for a stable order.
func GetStringMap(m resource.PropertyMap, k string) [][2]string {
	v := Plain(m[resource.PropertyKey(k)])
	if !v.IsObject() {
		return nil
	}
	obj := v.ObjectValue()
	var out [][2]string
	for _, key := range obj.StableKeys() {
		if e := obj[key]; e.IsString() {
			out = append(out, [2]string{string(key), e.StringValue()})
		}
	}
	return out
}

// IgnoreChanges returns news with each ignoreChanges path reset to its value in olds (the engine has already
// done this for inputs; providers repeat it on the state they diff against, as pulumi-go-provider's infer does).
func IgnoreChanges(olds, news resource.PropertyMap, paths []string) (resource.PropertyMap, error) {
	if len(paths) == 0 {
		return news, nil
	}
	news = news.Copy()
	for _, p := range paths {
		path, err := resource.ParsePropertyPath(p)
		if err != nil {
			return nil, fmt.Errorf("ignoreChanges: %w", err)
		}
		path.Reset(olds, news)
	}
	return news, nil
}
