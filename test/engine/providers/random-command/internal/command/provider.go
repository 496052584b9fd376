// Package command is eth-node's stand-in for the published command provider (pulumi-command, written with
// pulumi-go-provider's infer), limited to command:local:Command. Semantics follow the published provider
// v1.2.1 and the infer defaults it relies on:
//
//   - Diff compares the new inputs with the inputs recorded in the old state; a change of triggers replaces
//     the resource (create-before-delete), any other change is an in-place update;
//   - create runs `create` (with interpreter, default /bin/sh -c) on create; update runs `update`, or `create`
//     when update is not set, with PULUMI_COMMAND_STDOUT/STDERR set from the previous run
//     (addPreviousOutputInEnv, default true); delete runs `delete` when set;
//   - stdout and stderr are captured with one trailing newline removed and streamed to the engine's log
//     (logging); a non-zero exit fails the step;
//   - in a preview nothing runs: on create stdout/stderr are unknown, on update they are unknown when an input
//     that was in the old state changed (or is unknown), else the old values;
//   - outputs mirroring an input keep that input's secretness; stdout/stderr are never made secret (the
//     published schema marks nothing secret; a program that needs it uses additionalSecretOutputs).
//
// Not implemented: assetPaths/archivePaths (rejected by Check), remote:* resources, the local:run function.
package command

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"eth-node/test/engine/providers/random-command/internal/pluginbase"
	"eth-node/test/engine/providers/random-command/internal/props"
)

// CommandType is the token of the one resource implemented (the npm SDK's Command.__pulumiType).
const CommandType tokens.Type = "command:local:Command"

//go:embed schema.json
var schemaTemplate string

// The input properties and their kinds (logging is an enum, checked separately).
var inputKinds = map[string]props.Kind{
	"addPreviousOutputInEnv": props.Boolean, "archivePaths": props.StringArray, "assetPaths": props.StringArray,
	"create": props.String, "delete": props.String, "dir": props.String, "environment": props.StringMap,
	"interpreter": props.StringArray, "logging": props.String, "stdin": props.String,
	"triggers": props.AnyArray, "update": props.String,
}

var loggingValues = []string{"stdout", "stderr", "stdoutAndStderr", "none"}

// Logger sends one line of a command's output to the engine (ephemeral status, as the published provider).
type Logger func(ctx context.Context, urn resource.URN, line string)

// Provider implements plugin.Provider for the command package.
type Provider struct {
	pluginbase.Base
	log Logger
}

// New returns the provider reporting version (the npm SDK's, e.g. "1.2.1"); log may be nil.
func New(version string, log Logger) (*Provider, error) {
	b, err := pluginbase.New("command", version, schemaTemplate)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = func(context.Context, resource.URN, string) {}
	}
	return &Provider{Base: b, log: log}, nil
}

// Schema is the package schema (schema.json) reporting version.
func Schema(version string) []byte { return pluginbase.Schema(schemaTemplate, version) }

func known(t tokens.Type) error {
	if t != CommandType {
		return fmt.Errorf("command stand-in (eth-node test/engine/providers/random-command): resource type %s is not implemented, only %s",
			t, CommandType)
	}
	return nil
}

// Check validates the input types (and the logging enum) and returns the inputs unchanged.
func (p *Provider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.CheckResponse{}, err
	}
	failures := props.CheckKinds(req.News, inputKinds)
	if l, ok := props.GetString(req.News, "logging"); ok {
		valid := false
		for _, v := range loggingValues {
			valid = valid || l == v
		}
		if !valid {
			failures = append(failures, plugin.CheckFailure{Property: "logging",
				Reason: fmt.Sprintf("logging: %q is not one of %s", l, strings.Join(loggingValues, ", "))})
		}
	}
	for _, k := range []string{"assetPaths", "archivePaths"} {
		if props.Set(req.News, k) {
			failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k),
				Reason: k + ": not implemented by eth-node's command stand-in (test/engine/providers/random-command)"})
		}
	}
	return plugin.CheckResponse{Properties: req.News, Failures: failures}, nil
}

// oldInputs is the part of the old state that mirrors inputs (the state holds every input plus the outputs).
func oldInputs(state resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k := range inputKinds {
		if v, ok := state[resource.PropertyKey(k)]; ok {
			out[resource.PropertyKey(k)] = v
		}
	}
	return out
}

// Diff: the old state's inputs against the new inputs; triggers replace, the rest updates in place.
func (p *Provider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.DiffResult{}, err
	}
	news, err := props.IgnoreChanges(req.OldOutputs, req.NewInputs, req.IgnoreChanges)
	if err != nil {
		return plugin.DiffResult{}, err
	}
	objDiff := oldInputs(req.OldOutputs).Diff(news)
	if objDiff == nil || !objDiff.AnyChanges() {
		return plugin.DiffResult{Changes: plugin.DiffNone}, nil
	}
	detailed := plugin.NewDetailedDiffFromObjectDiff(objDiff, false)
	for path, d := range detailed {
		if path == "triggers" || strings.HasPrefix(path, "triggers[") || strings.HasPrefix(path, "triggers.") {
			detailed[path] = d.ToReplace()
		}
	}
	return plugin.DiffResult{Changes: plugin.DiffSome, DetailedDiff: detailed}, nil
}

// Create runs create (not in a preview).
func (p *Provider) Create(ctx context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.CreateResponse{}, err
	}
	out := req.Properties.Copy()
	if req.Preview {
		out["stdout"], out["stderr"] = props.Unknown(), props.Unknown()
		return plugin.CreateResponse{Properties: out}, nil
	}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	res := result{}
	if cmd, ok := props.GetString(req.Properties, "create"); ok {
		if res, err = p.run(ctx, req.URN, cmd, req.Properties, result{}); err != nil {
			return plugin.CreateResponse{}, err
		}
	}
	res.into(out)
	return plugin.CreateResponse{ID: resource.ID(id), Properties: out}, nil
}

// Update runs update, or create when update is not set (not in a preview).
func (p *Provider) Update(ctx context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.UpdateResponse{}, err
	}
	news, err := props.IgnoreChanges(req.OldOutputs, req.NewInputs, req.IgnoreChanges)
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	prev := resultOf(req.OldOutputs)
	out := news.Copy()
	if req.Preview {
		prev.into(out)
		olds := oldInputs(req.OldOutputs)
		for k := range inputKinds {
			key := resource.PropertyKey(k)
			old, had := olds[key]
			if news[key].ContainsUnknowns() || had && !old.DeepEquals(news[key]) {
				out["stdout"], out["stderr"] = props.Unknown(), props.Unknown()
				break
			}
		}
		return plugin.UpdateResponse{Properties: out}, nil
	}
	cmd, ok := props.GetString(news, "update")
	if !ok {
		cmd, ok = props.GetString(news, "create")
	}
	res := prev
	if ok {
		if res, err = p.run(ctx, req.URN, cmd, news, prev); err != nil {
			return plugin.UpdateResponse{}, err
		}
	}
	res.into(out)
	return plugin.UpdateResponse{Properties: out}, nil
}

// Delete runs delete when the state has one, with the state's interpreter, environment, dir and stdin.
func (p *Provider) Delete(ctx context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.DeleteResponse{}, err
	}
	if cmd, ok := props.GetString(req.Outputs, "delete"); ok {
		if _, err := p.run(ctx, req.URN, cmd, req.Outputs, resultOf(req.Outputs)); err != nil {
			return plugin.DeleteResponse{}, err
		}
	}
	return plugin.DeleteResponse{}, nil
}

// Read (refresh) keeps the state: a command cannot be read back. Import is not supported.
func (p *Provider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	if err := known(req.Type); err != nil {
		return plugin.ReadResponse{}, err
	}
	if len(req.State) == 0 {
		return plugin.ReadResponse{}, fmt.Errorf("command stand-in: importing %s is not supported", req.Type)
	}
	return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: req.ID, Inputs: req.Inputs, Outputs: req.State}}, nil
}
