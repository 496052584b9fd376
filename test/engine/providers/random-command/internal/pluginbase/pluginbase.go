// Package pluginbase is what the random and command stand-ins answer alike: the plugin's version and
// schema, the handshake, and a provider configuration that is empty (neither published provider used here
// takes one). A provider embeds Base and implements its resources' calls (Check, Diff, Create, …) itself.
package pluginbase

import (
	"context"
	"fmt"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// Base implements the plugin-level calls of plugin.Provider; the rest are plugin.UnimplementedProvider's.
type Base struct {
	plugin.UnimplementedProvider
	version        semver.Version
	schemaTemplate string
}

// New returns the Base of package name (in errors) reporting version (the npm SDK's, e.g. "4.21.2") and the
// schema schemaTemplate (see Schema).
func New(name, version, schemaTemplate string) (Base, error) {
	v, err := semver.ParseTolerant(version)
	if err != nil {
		return Base{}, fmt.Errorf("%s stand-in: bad version %q: %w", name, version, err)
	}
	return Base{version: v, schemaTemplate: schemaTemplate}, nil
}

// Schema is the package schema schemaTemplate (a schema.json whose version is the string "VERSION")
// reporting version.
func Schema(schemaTemplate, version string) []byte {
	return []byte(strings.Replace(schemaTemplate, `"VERSION"`, `"`+version+`"`, 1))
}

func (b *Base) Close() error { return nil }

func (b *Base) Handshake(context.Context, plugin.ProviderHandshakeRequest) (*plugin.ProviderHandshakeResponse, error) {
	return &plugin.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (b *Base) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := b.version
	return plugin.PluginInfo{Version: &v}, nil
}

func (b *Base) GetSchema(context.Context, plugin.GetSchemaRequest) (plugin.GetSchemaResponse, error) {
	return plugin.GetSchemaResponse{Schema: Schema(b.schemaTemplate, b.version.String())}, nil
}

func (b *Base) SignalCancellation(context.Context) error { return nil }

// The providers have no configuration (the published ones have none either).
func (b *Base) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (b *Base) DiffConfig(context.Context, plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffResult{Changes: plugin.DiffNone}, nil
}

func (b *Base) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}
