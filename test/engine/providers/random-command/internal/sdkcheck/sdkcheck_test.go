// Package sdkcheck cross-checks the stand-ins' schemas against the published SDKs: the npm SDKs the program
// uses (node_modules/@pulumi/{random,command}: tokens, input and output names, secret outputs, required
// inputs, replaceOnChanges) and the Go SDKs generated from the same published schema
// (github.com/pulumi/pulumi-random/sdk/v4 v4.21.2, github.com/pulumi/pulumi-command/sdk v1.2.1: property
// types and which scalar properties are optional).
package sdkcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	sdkrandom "github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"eth-node/test/engine/providers/random-command/internal/command"
	"eth-node/test/engine/providers/random-command/internal/random"
)

type resourceSpec struct {
	Properties      map[string]map[string]any `json:"properties"`
	Required        []string                  `json:"required"`
	InputProperties map[string]map[string]any `json:"inputProperties"`
	RequiredInputs  []string                  `json:"requiredInputs"`
	StateInputs     *struct {
		Properties map[string]map[string]any `json:"properties"`
	} `json:"stateInputs"`
}

func loadSchema(t *testing.T, raw []byte, token string) resourceSpec {
	t.Helper()
	var s struct {
		Version   string                  `json:"version"`
		Resources map[string]resourceSpec `json:"resources"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != "9.9.9" {
		t.Errorf("schema version %q, want the one passed in", s.Version)
	}
	r, ok := s.Resources[token]
	if !ok {
		t.Fatalf("schema lacks %s", token)
	}
	return r
}

// typeOf renders a schema type as the SDK-side mapping below does.
func typeOf(spec map[string]any) string {
	if ref, ok := spec["$ref"].(string); ok {
		switch ref {
		case "pulumi.json#/Archive":
			return "archive"
		case "pulumi.json#/Asset":
			return "asset"
		case "pulumi.json#/Any":
			return "any"
		}
		return "ref:" + ref[strings.LastIndex(ref, ":")+1:]
	}
	switch spec["type"] {
	case "object":
		return "map[" + typeOf(spec["additionalProperties"].(map[string]any)) + "]"
	case "array":
		return "array[" + typeOf(spec["items"].(map[string]any)) + "]"
	}
	return spec["type"].(string)
}

// The Go SDK's output types (fields of the resource struct).
var outputTypes = map[string]string{
	"StringOutput": "string", "StringPtrOutput": "string", "IntOutput": "integer", "IntPtrOutput": "integer",
	"BoolOutput": "boolean", "BoolPtrOutput": "boolean", "StringMapOutput": "map[string]",
	"StringArrayOutput": "array[string]", "ArrayOutput": "array[any]", "ArchiveOutput": "archive",
	"AssetOrArchiveMapOutput": "map[asset]", "LoggingPtrOutput": "ref:Logging",
}

// goType renders a plain Go SDK args field type; optional is true for a pointer.
func goType(t reflect.Type) (string, bool) {
	optional := false
	if t.Kind() == reflect.Pointer {
		optional, t = true, t.Elem()
	}
	if t.Name() == "Logging" {
		return "ref:Logging", optional
	}
	switch t.Kind() {
	case reflect.String:
		return "string", optional
	case reflect.Int:
		return "integer", optional
	case reflect.Bool:
		return "boolean", optional
	case reflect.Map:
		e, _ := goType(t.Elem())
		return "map[" + e + "]", true
	case reflect.Slice:
		e, _ := goType(t.Elem())
		return "array[" + e + "]", true
	case reflect.Interface:
		return "any", true
	}
	return "?" + t.String(), optional
}

type field struct {
	typ      string
	optional bool
}

func tagged(t reflect.Type, conv func(reflect.Type) field) map[string]field {
	out := map[string]field{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := f.Tag.Get("pulumi"); tag != "" {
			out[strings.Split(tag, ",")[0]] = conv(f.Type)
		}
	}
	return out
}

func outputsOf(res any) map[string]field {
	return tagged(reflect.TypeOf(res), func(t reflect.Type) field {
		typ, ok := outputTypes[t.Name()]
		if !ok {
			typ = "?" + t.Name()
		}
		return field{typ, strings.Contains(t.Name(), "Ptr") || strings.HasPrefix(typ, "map") || strings.HasPrefix(typ, "array") || typ == "archive"}
	})
}

func inputsOf(args interface{ ElementType() reflect.Type }) map[string]field {
	return tagged(args.ElementType(), func(t reflect.Type) field {
		typ, opt := goType(t)
		return field{typ, opt}
	})
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func checkAgainstGoSDK(t *testing.T, spec resourceSpec, outputs, inputs map[string]field) {
	t.Helper()
	compare := func(what string, schema map[string]map[string]any, required []string, sdk map[string]field) {
		var names []string
		for k := range sdk {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			f := sdk[k]
			p, ok := schema[k]
			if !ok {
				t.Errorf("%s %s: in the Go SDK, not in the schema", what, k)
				continue
			}
			if got := typeOf(p); got != f.typ {
				t.Errorf("%s %s: schema type %s, Go SDK %s", what, k, got, f.typ)
			}
			isScalar := !strings.HasPrefix(f.typ, "map") && !strings.HasPrefix(f.typ, "array") && f.typ != "archive"
			if isScalar && contains(required, k) == f.optional {
				t.Errorf("%s %s: required in the schema %v, optional in the Go SDK %v", what, k, contains(required, k), f.optional)
			}
		}
		for k := range schema {
			if _, ok := sdk[k]; !ok {
				t.Errorf("%s %s: in the schema, not in the Go SDK", what, k)
			}
		}
	}
	compare("output", spec.Properties, spec.Required, outputs)
	compare("input", spec.InputProperties, spec.RequiredInputs, inputs)
}

func TestRandomSchemaMatchesGoSDK(t *testing.T) {
	pw := loadSchema(t, random.Schema("9.9.9"), "random:index/randomPassword:RandomPassword")
	checkAgainstGoSDK(t, pw, outputsOf(sdkrandom.RandomPassword{}), inputsOf(sdkrandom.RandomPasswordArgs{}))
	by := loadSchema(t, random.Schema("9.9.9"), "random:index/randomBytes:RandomBytes")
	checkAgainstGoSDK(t, by, outputsOf(sdkrandom.RandomBytes{}), inputsOf(sdkrandom.RandomBytesArgs{}))
	// stateInputs (the get() arguments) are the outputs with the same types.
	for _, spec := range []resourceSpec{pw, by} {
		for k, p := range spec.Properties {
			if s, ok := spec.StateInputs.Properties[k]; !ok || typeOf(s) != typeOf(p) || s["secret"] != p["secret"] {
				t.Errorf("stateInputs %s does not mirror the property", k)
			}
		}
	}
}

func TestCommandSchemaMatchesGoSDK(t *testing.T) {
	spec := loadSchema(t, command.Schema("9.9.9"), "command:local:Command")
	checkAgainstGoSDK(t, spec, outputsOf(local.Command{}), inputsOf(local.CommandArgs{}))
	var _ pulumi.Input = local.CommandArgs{}.Create // the SDK's args really are inputs
}

// ----------------------------------------------------------------------------------------- npm SDKs

func nodeModules(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "node_modules", "@pulumi", "random", "package.json")); err == nil {
			return filepath.Join(d, "node_modules", "@pulumi")
		}
	}
	t.Skip("no node_modules/@pulumi above " + dir + " (run npm ci in the repository)")
	return ""
}

type npmResource struct {
	token            string
	inputs, outputs  []string // outputs: every property (inputs and out-only)
	secrets          []string
	required         []string
	replaceOnChanges []string
}

func readNpm(t *testing.T, file string) npmResource {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	all := func(re string) []string {
		var out []string
		seen := map[string]bool{}
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(src, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, m[1])
			}
		}
		sort.Strings(out)
		return out
	}
	list := func(re string) []string {
		m := regexp.MustCompile(re).FindStringSubmatch(src)
		if m == nil {
			return nil
		}
		var out []string
		for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
			out = append(out, q[1])
		}
		sort.Strings(out)
		return out
	}
	r := npmResource{
		inputs:           all(`resourceInputs\["(\w+)"\] = args\?\.`),
		secrets:          list(`additionalSecretOutputs: \[((?:"[^"]*",?\s*)*)\]`),
		required:         all(`Missing required property '(\w+)'`),
		replaceOnChanges: list(`replaceOnChanges: \[((?:"[^"]*",?\s*)*)\]`),
	}
	if m := regexp.MustCompile(`__pulumiType = '([^']+)'`).FindStringSubmatch(src); m != nil {
		r.token = m[1]
	}
	props := map[string]bool{}
	for _, k := range append(all(`resourceInputs\["(\w+)"\] = undefined /\*out\*/`), r.inputs...) {
		props[k] = true
	}
	for _, k := range all(`resourceInputs\["(\w+)"\] = state\?\.`) {
		props[k] = true
	}
	for k := range props {
		r.outputs = append(r.outputs, k)
	}
	sort.Strings(r.outputs)
	return r
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func secretKeys(m map[string]map[string]any) []string {
	var out []string
	for k, p := range m {
		if p["secret"] == true {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func checkAgainstNpm(t *testing.T, schema []byte, file string) {
	t.Helper()
	npm := readNpm(t, file)
	if npm.token == "" {
		t.Fatalf("%s: no __pulumiType", file)
	}
	spec := loadSchema(t, schema, npm.token)
	eq := func(what string, got, want []string) {
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s %s: schema %v, npm SDK %v", npm.token, what, got, want)
		}
	}
	eq("inputs", keys(spec.InputProperties), npm.inputs)
	eq("properties", keys(spec.Properties), npm.outputs)
	eq("secret outputs", secretKeys(spec.Properties), npm.secrets)
	eq("required inputs", spec.RequiredInputs, npm.required)
	var replace []string
	for k, p := range spec.InputProperties {
		if p["replaceOnChanges"] == true {
			replace = append(replace, k+"[*]")
		}
	}
	eq("replaceOnChanges", replace, npm.replaceOnChanges)
}

func TestSchemasMatchNpmSDKs(t *testing.T) {
	nm := nodeModules(t)
	checkAgainstNpm(t, random.Schema("9.9.9"), filepath.Join(nm, "random", "randomPassword.js"))
	checkAgainstNpm(t, random.Schema("9.9.9"), filepath.Join(nm, "random", "randomBytes.js"))
	checkAgainstNpm(t, command.Schema("9.9.9"), filepath.Join(nm, "command", "local", "command.js"))
}
