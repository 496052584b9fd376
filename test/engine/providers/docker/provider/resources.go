// Package provider holds the token and name mapping of our stand-in for Pulumi's docker provider plugin: a
// pulumi-terraform-bridge bridge of the Terraform docker provider (kreuzwerker), with the tokens and property
// names of the published @pulumi/docker SDK (the version in package.json's "pulumi" section), so the SDK the
// program uses talks to it unchanged. It is not the published plugin (github.com/pulumi/pulumi-docker/provider
// is not on the Go module proxy here); see ../NOTES.md.
package provider

import (
	"unicode"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-docker/pulumishim"
)

const (
	// Package is the Pulumi package (and plugin) name the SDK asks for.
	Package = "docker"
	module  = "index"
)

// Version is the plugin version, stamped at build time with -ldflags -X (the SDK's version, e.g. 5.2.0).
var Version = "5.2.0"

// resourceTok is docker:index/<camelName>:<PascalName>, the form @pulumi/docker's __pulumiType uses.
func resourceTok(name string) tokens.Type {
	return tokens.Type(Package + ":" + module + "/" + lowerFirst(name) + ":" + name)
}

// functionTok is docker:index/<fn>:<fn> (e.g. docker:index/getNetwork:getNetwork).
func functionTok(name string) tokens.ModuleMember {
	return tokens.ModuleMember(Package + ":" + module + "/" + name + ":" + name)
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// ImageToken is the native (non-Terraform) image-build resource of @pulumi/docker 5.x.
const ImageToken = "docker:index/image:Image"

// Provider returns the bridge's ProviderInfo. Property names are the bridge's defaults (snake_case to
// camelCase, lists pluralised: upload → uploads, env → envs, entrypoint → entrypoints, healthcheck.test →
// tests), except where the published SDK keeps the Terraform name; check-schema.mjs compares the result with
// the SDK's *.js / types/input.d.ts.
func Provider() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(pulumishim.SDKv2Provider(Version))
	prov := tfbridge.ProviderInfo{
		P:           p,
		Name:        Package,
		Version:     Version,
		DisplayName: "Docker (eth-node stand-in)",
		Description: "Stand-in for Pulumi's docker provider: a bridge of the Terraform docker provider built for the eth-node engine tests",
		Keywords:    []string{"pulumi", "docker"},
		License:     "Apache-2.0",
		Homepage:    "https://pulumi.io",
		Repository:  "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:   "kreuzwerker",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}}},
			// A set in Terraform; the SDK keeps the singular name.
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: resourceTok("Container"),
				Fields: map[string]*tfbridge.SchemaInfo{
					// One command line (["echo", "1"]), not several: the SDK keeps the singular name.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    resourceTok("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_registry_image": {Tok: resourceTok("RegistryImage")},
			"docker_network":        {Tok: resourceTok("Network")},
			"docker_volume":         {Tok: resourceTok("Volume")},
			"docker_config":         {Tok: resourceTok("ServiceConfig")},
			"docker_secret":         {Tok: resourceTok("Secret")},
			"docker_service":        {Tok: resourceTok("Service")},
			"docker_plugin":         {Tok: resourceTok("Plugin")},
			"docker_tag":            {Tok: resourceTok("Tag")},
			"docker_buildx_builder": {Tok: resourceTok("BuildxBuilder")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_registry_image":           {Tok: functionTok("getRegistryImage")},
			"docker_network":                  {Tok: functionTok("getNetwork")},
			"docker_plugin":                   {Tok: functionTok("getPlugin")},
			"docker_image":                    {Tok: functionTok("getRemoteImage")},
			"docker_logs":                     {Tok: functionTok("getLogs")},
			"docker_registry_image_manifests": {Tok: functionTok("getRegistryImageManifests")},
		},
	}
	prov.SetAutonaming(255, "-")
	return prov
}
