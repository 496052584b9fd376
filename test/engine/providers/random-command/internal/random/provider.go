// Package random is eth-node's stand-in for the published random provider (pulumi-random, a Terraform bridge of
// hashicorp/terraform-provider-random 3.x), limited to the two resources the program uses: RandomPassword and
// RandomBytes. Semantics follow the published provider:
//
//   - every input forces a replacement (Terraform RequiresReplace on every attribute, keepers included); the
//     generated values are otherwise kept for the life of the resource (refresh and update never regenerate);
//   - inputs are compared with the old *state* after applying the Terraform defaults (special, upper, lower,
//     number/numeric true, min* 0), so spelling out a default changes nothing;
//   - RandomPassword: result and bcryptHash (bcrypt, cost 10, of result's first 72 bytes) are secrets, the ID
//     is "none"; RandomBytes: base64 and hex are secrets, the ID is the base64 value (in plain text: the
//     published provider's computeRandomBytesID does the same, resource IDs cannot be secret).
package random

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"golang.org/x/crypto/bcrypt"

	"eth-node/test/engine/providers/random-command/internal/pluginbase"
	"eth-node/test/engine/providers/random-command/internal/props"
)

// The resource tokens, as the npm SDK's __pulumiType names them.
const (
	PasswordType tokens.Type = "random:index/randomPassword:RandomPassword"
	BytesType    tokens.Type = "random:index/randomBytes:RandomBytes"
)

//go:embed schema.json
var schemaTemplate string

// The input properties of each resource (all of them force a replacement) and their kinds.
var inputKinds = map[tokens.Type]map[string]props.Kind{
	PasswordType: {
		"keepers": props.StringMap, "length": props.Integer, "lower": props.Boolean,
		"minLower": props.Integer, "minNumeric": props.Integer, "minSpecial": props.Integer,
		"minUpper": props.Integer, "number": props.Boolean, "numeric": props.Boolean,
		"overrideSpecial": props.String, "special": props.Boolean, "upper": props.Boolean,
	},
	BytesType: {"keepers": props.StringMap, "length": props.Integer},
}

// The outputs a resource generates once (kept on update), secret in the published schema.
var generated = map[tokens.Type][]string{
	PasswordType: {"result", "bcryptHash", "id"},
	BytesType:    {"base64", "hex"},
}

// Provider implements plugin.Provider for the random package.
type Provider struct {
	pluginbase.Base
}

// New returns the provider reporting version (the npm SDK's, e.g. "4.21.2").
func New(version string) (*Provider, error) {
	b, err := pluginbase.New("random", version, schemaTemplate)
	if err != nil {
		return nil, err
	}
	return &Provider{Base: b}, nil
}

// Schema is the package schema (schema.json) reporting version.
func Schema(version string) []byte { return pluginbase.Schema(schemaTemplate, version) }

func known(t tokens.Type) error {
	if _, ok := inputKinds[t]; !ok {
		return fmt.Errorf("random stand-in (eth-node test/engine/providers/random-command): resource type %s is not implemented, only %s and %s",
			t, PasswordType, BytesType)
	}
	return nil
}

// Check validates the inputs as the Terraform schema does (types, length >= 1, length >= the sum of the
// minimums, number and numeric not contradicting, some character class enabled) and returns them unchanged:
// defaults are applied to the state, not to the inputs (the bridge keeps Terraform defaults out of inputs).
func (p *Provider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.CheckResponse{}, err
	}
	news := req.News
	failures := props.CheckKinds(news, inputKinds[req.Type])
	fail := func(k, format string, args ...any) {
		failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k), Reason: fmt.Sprintf(format, args...)})
	}
	length := props.Plain(news["length"])
	switch {
	case !props.Set(news, "length"):
		fail("length", "Missing required property 'length'")
	case length.IsNumber() && length.NumberValue() < 1:
		fail("length", "Attribute length value must be at least 1, got: %v", length.NumberValue())
	}
	if len(failures) > 0 || req.Type != PasswordType || news.ContainsUnknowns() {
		return plugin.CheckResponse{Properties: news, Failures: failures}, nil
	}
	s := passwordParams(effectivePassword(news))
	if sum := s.minUpper + s.minLower + s.minNumeric + s.minSpecial; s.length < sum {
		fail("length", "Attribute length value must be at least sum of min_upper, min_lower, min_numeric, min_special (%d), got: %d", sum, s.length)
	}
	if props.Set(news, "number") && props.Set(news, "numeric") &&
		props.GetBool(news, "number", true) != props.GetBool(news, "numeric", true) {
		fail("numeric", "Number and numeric are both configured with different values (number is deprecated, use numeric instead)")
	}
	if !s.upper && !s.lower && !s.numeric && !s.special {
		fail("numeric", "At least one attribute out of [special upper lower numeric] must be specified as true")
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// effectivePassword is what the Terraform plan would hold for these inputs: only the schema's inputs, with
// the defaults filled in (number and numeric take each other's value, both true when neither is set).
// Values keep their secret or unknown markers.
func effectivePassword(news resource.PropertyMap) resource.PropertyMap {
	out := restrict(news, PasswordType)
	for _, k := range []string{"special", "upper", "lower"} {
		if !props.Set(out, k) {
			out[resource.PropertyKey(k)] = resource.NewBoolProperty(true)
		}
	}
	for _, k := range []string{"minLower", "minNumeric", "minSpecial", "minUpper"} {
		if !props.Set(out, k) {
			out[resource.PropertyKey(k)] = resource.NewNumberProperty(0)
		}
	}
	number, numeric := props.Set(out, "number"), props.Set(out, "numeric")
	switch {
	case !number && !numeric:
		out["number"], out["numeric"] = resource.NewBoolProperty(true), resource.NewBoolProperty(true)
	case !number:
		out["number"] = out["numeric"]
	case !numeric:
		out["numeric"] = out["number"]
	}
	return out
}

// restrict keeps the set input properties of t.
func restrict(m resource.PropertyMap, t tokens.Type) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k := range inputKinds[t] {
		if props.Set(m, k) {
			out[resource.PropertyKey(k)] = m[resource.PropertyKey(k)]
		}
	}
	return out
}

func effective(t tokens.Type, news resource.PropertyMap) resource.PropertyMap {
	if t == PasswordType {
		return effectivePassword(news)
	}
	return restrict(news, t)
}

// sameForReplace reports whether input k did not change, the way the Terraform plan modifiers see it:
// unknown is a change; for keepers, null, absent and {} are alike and null entries do not count; for
// overrideSpecial, "" and null are alike. Secretness alone is no change.
func sameForReplace(k string, old, new resource.PropertyValue) bool {
	if new.ContainsUnknowns() {
		return false
	}
	o, n := props.Plain(old), props.Plain(new)
	switch k {
	case "keepers":
		return dropNulls(o).DeepEquals(dropNulls(n))
	case "overrideSpecial":
		if o.IsString() && o.StringValue() == "" {
			o = resource.NewNullProperty()
		}
		if n.IsString() && n.StringValue() == "" {
			n = resource.NewNullProperty()
		}
	}
	return o.DeepEquals(n)
}

func dropNulls(v resource.PropertyValue) resource.PropertyMap {
	out := resource.PropertyMap{}
	if v.IsObject() {
		for k, e := range v.ObjectValue() {
			if !e.IsNull() {
				out[k] = e
			}
		}
	}
	return out
}

// Diff compares the effective new inputs with the old state: any difference replaces the resource.
func (p *Provider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.DiffResult{}, err
	}
	news, err := props.IgnoreChanges(req.OldOutputs, req.NewInputs, req.IgnoreChanges)
	if err != nil {
		return plugin.DiffResult{}, err
	}
	news = effective(req.Type, news)
	detailed := map[string]plugin.PropertyDiff{}
	var replaces []resource.PropertyKey
	for k := range inputKinds[req.Type] {
		key := resource.PropertyKey(k)
		old, new := req.OldOutputs[key], news[key]
		if sameForReplace(k, old, new) {
			continue
		}
		kind := plugin.DiffUpdateReplace
		switch {
		case props.Plain(old).IsNull():
			kind = plugin.DiffAddReplace
		case props.Plain(new).IsNull():
			kind = plugin.DiffDeleteReplace
		}
		detailed[k] = plugin.PropertyDiff{Kind: kind, InputDiff: true}
		replaces = append(replaces, key)
	}
	if len(detailed) == 0 {
		return plugin.DiffResult{Changes: plugin.DiffNone}, nil
	}
	return plugin.DiffResult{Changes: plugin.DiffSome, DetailedDiff: detailed, ReplaceKeys: replaces}, nil
}

// Create generates the values (not in a preview: there they are unknown).
func (p *Provider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.CreateResponse{}, err
	}
	out := effective(req.Type, req.Properties)
	if req.Preview || out.ContainsUnknowns() {
		if !req.Preview {
			return plugin.CreateResponse{}, fmt.Errorf("%s: inputs still unknown at create", req.URN)
		}
		for _, k := range generated[req.Type] {
			out[resource.PropertyKey(k)] = props.Unknown()
		}
		return plugin.CreateResponse{Properties: out}, nil
	}
	var id resource.ID
	switch req.Type {
	case PasswordType:
		result, err := generatePassword(passwordParams(out))
		if err != nil {
			return plugin.CreateResponse{}, fmt.Errorf("%s: generating the password: %w", req.URN, err)
		}
		hash, err := bcryptHash(result)
		if err != nil {
			return plugin.CreateResponse{}, fmt.Errorf("%s: hashing the password: %w", req.URN, err)
		}
		out["result"] = resource.MakeSecret(resource.NewStringProperty(result))
		out["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(hash))
		out["id"] = resource.NewStringProperty("none")
		id = "none"
	case BytesType:
		buf := make([]byte, props.GetInt(out, "length", 0))
		if _, err := rand.Read(buf); err != nil {
			return plugin.CreateResponse{}, fmt.Errorf("%s: generating the bytes: %w", req.URN, err)
		}
		b64 := base64.StdEncoding.EncodeToString(buf)
		out["base64"] = resource.MakeSecret(resource.NewStringProperty(b64))
		out["hex"] = resource.MakeSecret(resource.NewStringProperty(hex.EncodeToString(buf)))
		id = resource.ID(b64)
	}
	return plugin.CreateResponse{ID: id, Properties: out}, nil
}

// Update is reached only by changes the plan modifiers do not count as replacing (e.g. keepers {} -> absent):
// the new inputs with the old generated values.
func (p *Provider) Update(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.UpdateResponse{}, err
	}
	out := effective(req.Type, req.NewInputs)
	for _, k := range generated[req.Type] {
		if v, ok := req.OldOutputs[resource.PropertyKey(k)]; ok {
			out[resource.PropertyKey(k)] = v
		}
	}
	return plugin.UpdateResponse{Properties: out}, nil
}

// Read keeps the state as it is (Terraform's Read is a no-op for these resources); with no state it imports:
// a RandomPassword from its result, RandomBytes from their base64, as the published provider does.
func (p *Provider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.ReadResponse{}, err
	}
	if len(req.State) > 0 {
		return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: req.ID, Inputs: req.Inputs, Outputs: req.State}}, nil
	}
	secret := func(s string) resource.PropertyValue { return resource.MakeSecret(resource.NewStringProperty(s)) }
	switch req.Type {
	case PasswordType:
		value := string(req.ID)
		inputs := effectivePassword(resource.PropertyMap{"length": resource.NewNumberProperty(float64(len(value)))})
		hash, err := bcryptHash(value)
		if err != nil {
			return plugin.ReadResponse{}, err
		}
		outputs := inputs.Copy()
		outputs["result"], outputs["bcryptHash"], outputs["id"] = secret(value), secret(hash), resource.NewStringProperty("none")
		return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: "none", Inputs: inputs, Outputs: outputs}}, nil
	default:
		buf, err := base64.StdEncoding.DecodeString(string(req.ID))
		if err != nil {
			return plugin.ReadResponse{}, fmt.Errorf("importing RandomBytes: the ID must be the bytes in base64: %w", err)
		}
		inputs := resource.PropertyMap{"length": resource.NewNumberProperty(float64(len(buf)))}
		outputs := inputs.Copy()
		outputs["base64"], outputs["hex"] = secret(string(req.ID)), secret(hex.EncodeToString(buf))
		return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: req.ID, Inputs: inputs, Outputs: outputs}}, nil
	}
}

// Delete has nothing to delete.
func (p *Provider) Delete(_ context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	return plugin.DeleteResponse{}, known(req.Type)
}

// ----------------------------------------------------------------------------------------- generation

const (
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	numericChars = "0123456789"
	// The published provider's default special characters.
	defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"
)

type params struct {
	length                                     int64
	upper, lower, numeric, special             bool
	minUpper, minLower, minNumeric, minSpecial int64
	overrideSpecial                            string
}

func passwordParams(m resource.PropertyMap) params {
	override, _ := props.GetString(m, "overrideSpecial")
	return params{
		length: props.GetInt(m, "length", 0),
		upper:  props.GetBool(m, "upper", true), lower: props.GetBool(m, "lower", true),
		numeric: props.GetBool(m, "numeric", true), special: props.GetBool(m, "special", true),
		minUpper: props.GetInt(m, "minUpper", 0), minLower: props.GetInt(m, "minLower", 0),
		minNumeric: props.GetInt(m, "minNumeric", 0), minSpecial: props.GetInt(m, "minSpecial", 0),
		overrideSpecial: override,
	}
}

// generatePassword draws, with crypto/rand, the minimum number of characters of each class, fills up to
// length from the union of the enabled classes and shuffles the lot (the published algorithm; as there, the
// minimums apply even to a disabled class).
func generatePassword(s params) (string, error) {
	special := defaultSpecial
	if s.overrideSpecial != "" {
		special = s.overrideSpecial
	}
	var pool string
	for _, c := range []struct {
		on    bool
		chars string
	}{{s.upper, upperChars}, {s.lower, lowerChars}, {s.numeric, numericChars}, {s.special, special}} {
		if c.on {
			pool += c.chars
		}
	}
	if pool == "" {
		return "", fmt.Errorf("the character set specified is empty")
	}
	var out []rune
	for _, c := range []struct {
		n     int64
		chars string
	}{{s.minUpper, upperChars}, {s.minLower, lowerChars}, {s.minNumeric, numericChars}, {s.minSpecial, special}} {
		r, err := draw(c.chars, c.n)
		if err != nil {
			return "", err
		}
		out = append(out, r...)
	}
	rest, err := draw(pool, s.length-int64(len(out)))
	if err != nil {
		return "", err
	}
	out = append(out, rest...)
	for i := len(out) - 1; i > 0; i-- { // Fisher-Yates
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func draw(chars string, n int64) ([]rune, error) {
	set := []rune(chars)
	out := make([]rune, 0, max(n, 0))
	for range n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return nil, err
		}
		out = append(out, set[i.Int64()])
	}
	return out, nil
}

// bcryptHash is the published bcryptHash: bcrypt at the default cost (10) of the first 72 bytes.
func bcryptHash(s string) (string, error) {
	b := []byte(s)
	if len(b) > 72 {
		b = b[:72]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	return string(h), err
}
