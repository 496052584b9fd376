package random

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

func newProvider(t *testing.T) *Provider {
	t.Helper()
	p, err := New("4.21.2")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pm(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func secretString(t *testing.T, m resource.PropertyMap, k resource.PropertyKey) string {
	t.Helper()
	v := m[k]
	if !v.IsSecret() {
		t.Fatalf("%s is not a secret: %v", k, v)
	}
	return v.SecretValue().Element.StringValue()
}

func create(t *testing.T, p *Provider, typ string, inputs resource.PropertyMap) plugin.CreateResponse {
	t.Helper()
	resp, err := p.Create(ctx, plugin.CreateRequest{URN: resource.URN("urn:pulumi:s::p::" + typ + "::n"), Name: "n",
		Type: tokens.Type(typ), Properties: inputs})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPasswordAsTheProgramUsesIt(t *testing.T) {
	p := newProvider(t)
	resp := create(t, p, string(PasswordType), pm(map[string]any{"length": 32, "special": false}))
	if resp.ID != "none" {
		t.Errorf("ID %q, want none (the published provider's)", resp.ID)
	}
	result := secretString(t, resp.Properties, "result")
	if len(result) != 32 || strings.Trim(result, upperChars+lowerChars+numericChars) != "" {
		t.Errorf("result %q: want 32 letters and digits", result)
	}
	hash := secretString(t, resp.Properties, "bcryptHash")
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(result)); err != nil {
		t.Errorf("bcryptHash does not match result: %v", err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != 10 {
		t.Errorf("bcrypt cost %d, want 10", cost)
	}
	for k, want := range map[resource.PropertyKey]any{"length": 32.0, "special": false, "upper": true, "lower": true,
		"number": true, "numeric": true, "minLower": 0.0, "minNumeric": 0.0, "minSpecial": 0.0, "minUpper": 0.0} {
		if got := resp.Properties[k].V; got != want {
			t.Errorf("state %s = %v, want %v (defaults as the Terraform schema)", k, got, want)
		}
	}

	diff := func(news map[string]any) plugin.DiffResult {
		t.Helper()
		d, err := p.Diff(ctx, plugin.DiffRequest{Type: PasswordType, OldOutputs: resp.Properties,
			OldInputs: pm(map[string]any{"length": 32, "special": false}), NewInputs: pm(news)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := diff(map[string]any{"length": 32, "special": false}); d.Changes != plugin.DiffNone {
		t.Errorf("same inputs: %+v, want no change", d)
	}
	if d := diff(map[string]any{"length": 32, "special": false, "upper": true, "keepers": map[string]any{}}); d.Changes != plugin.DiffNone {
		t.Errorf("spelled-out defaults and empty keepers: %+v, want no change", d)
	}
	for name, news := range map[string]map[string]any{
		"length":   {"length": 33, "special": false},
		"special":  {"length": 32},
		"keepers":  {"length": 32, "special": false, "keepers": map[string]any{"k": "v"}},
		"minUpper": {"length": 32, "special": false, "minUpper": 2},
	} {
		d := diff(news)
		if d.Changes != plugin.DiffSome || len(d.ReplaceKeys) != 1 || string(d.ReplaceKeys[0]) != name {
			t.Errorf("change of %s: %+v, want a replacement on %s", name, d, name)
		}
	}
	unknown := pm(map[string]any{"special": false})
	unknown["length"] = resource.MakeComputed(resource.NewStringProperty(""))
	d, err := p.Diff(ctx, plugin.DiffRequest{Type: PasswordType, OldOutputs: resp.Properties, NewInputs: unknown})
	if err != nil || d.Changes != plugin.DiffSome {
		t.Errorf("unknown length: %+v %v, want a replacement", d, err)
	}

	// Update (no replacing change) keeps the generated values.
	up, err := p.Update(ctx, plugin.UpdateRequest{Type: PasswordType, OldOutputs: resp.Properties,
		NewInputs: pm(map[string]any{"length": 32, "special": false})})
	if err != nil {
		t.Fatal(err)
	}
	if secretString(t, up.Properties, "result") != result || secretString(t, up.Properties, "bcryptHash") != hash {
		t.Error("update changed the generated values")
	}
	// Refresh keeps them too.
	rd, err := p.Read(ctx, plugin.ReadRequest{Type: PasswordType, ID: "none", State: resp.Properties})
	if err != nil || !rd.Outputs.DeepEquals(resp.Properties) {
		t.Errorf("refresh changed the state: %v", err)
	}
}

func TestPasswordPreviewAndMinimums(t *testing.T) {
	p := newProvider(t)
	pre, err := p.Create(ctx, plugin.CreateRequest{Type: PasswordType, Properties: pm(map[string]any{"length": 8}), Preview: true})
	if err != nil || !pre.Properties["result"].IsComputed() || !pre.Properties["bcryptHash"].IsComputed() {
		t.Errorf("preview: %v %v, want unknown result and bcryptHash", pre.Properties, err)
	}
	for range 20 {
		resp := create(t, p, string(PasswordType), pm(map[string]any{"length": 4, "minUpper": 1, "minLower": 1,
			"minNumeric": 1, "minSpecial": 1, "overrideSpecial": "#"}))
		r := secretString(t, resp.Properties, "result")
		for _, class := range []string{upperChars, lowerChars, numericChars, "#"} {
			if !strings.ContainsAny(r, class) {
				t.Fatalf("%q lacks a character of %q", r, class)
			}
		}
	}
}

func TestPasswordCheck(t *testing.T) {
	p := newProvider(t)
	for name, c := range map[string]struct {
		in   map[string]any
		fail string
	}{
		"ok":       {map[string]any{"length": 16, "special": false}, ""},
		"missing":  {map[string]any{"special": false}, "length"},
		"zero":     {map[string]any{"length": 0}, "length"},
		"type":     {map[string]any{"length": "16"}, "length"},
		"fraction": {map[string]any{"length": 1.5}, "length"},
		"mins":     {map[string]any{"length": 2, "minUpper": 2, "minLower": 1}, "length"},
		"nochars":  {map[string]any{"length": 2, "upper": false, "lower": false, "numeric": false, "special": false}, "numeric"},
		"conflict": {map[string]any{"length": 2, "number": true, "numeric": false}, "numeric"},
		"keepers":  {map[string]any{"length": 2, "keepers": map[string]any{"a": 1}}, "keepers"},
	} {
		resp, err := p.Check(ctx, plugin.CheckRequest{Type: PasswordType, News: pm(c.in)})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(resp.Failures) > 0 {
			got = string(resp.Failures[0].Property)
		}
		if got != c.fail {
			t.Errorf("%s: failures %+v, want one on %q", name, resp.Failures, c.fail)
		}
	}
	if _, err := p.Check(ctx, plugin.CheckRequest{Type: "random:index/randomPet:RandomPet", News: pm(nil)}); err == nil {
		t.Error("an unimplemented type passed Check")
	}
}

func TestBytes(t *testing.T) {
	p := newProvider(t)
	resp := create(t, p, string(BytesType), pm(map[string]any{"length": 32}))
	h := secretString(t, resp.Properties, "hex")
	b := secretString(t, resp.Properties, "base64")
	raw, err := hex.DecodeString(h)
	if err != nil || len(raw) != 32 || base64.StdEncoding.EncodeToString(raw) != b {
		t.Errorf("hex %q and base64 %q are not the same 32 bytes", h, b)
	}
	if string(resp.ID) != b {
		t.Errorf("ID %q, want the base64 value (as the published provider)", resp.ID)
	}
	d, err := p.Diff(ctx, plugin.DiffRequest{Type: BytesType, OldOutputs: resp.Properties, NewInputs: pm(map[string]any{"length": 32})})
	if err != nil || d.Changes != plugin.DiffNone {
		t.Errorf("same length: %+v %v", d, err)
	}
	d, _ = p.Diff(ctx, plugin.DiffRequest{Type: BytesType, OldOutputs: resp.Properties, NewInputs: pm(map[string]any{"length": 16})})
	if d.Changes != plugin.DiffSome || len(d.ReplaceKeys) != 1 {
		t.Errorf("new length: %+v, want a replacement", d)
	}
	imp, err := p.Read(ctx, plugin.ReadRequest{Type: BytesType, ID: resource.ID(b)})
	if err != nil || secretString(t, imp.Outputs, "hex") != h || imp.Inputs["length"].NumberValue() != 32 {
		t.Errorf("import from base64: %+v %v", imp, err)
	}
}
