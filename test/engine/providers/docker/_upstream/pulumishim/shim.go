// Package pulumishim is added by build-docker-provider.sh to its working copy of the Terraform docker provider
// (github.com/terraform-providers/terraform-provider-docker, served by the Go module proxy as
// github.com/kreuzwerker/terraform-provider-docker). The provider's code is under internal/, which another
// module cannot import; this package lives inside that module and re-exports the one constructor the Pulumi
// bridge needs. It is never committed inside the copy: the copy lives in the build cache.
package pulumishim

import (
	"context"
	"io"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// SDKv2Provider is the provider's SDKv2 half (docker_container, docker_network, docker_volume, … and their data
// sources). The plugin-framework half (docker_compose, docker_containers, actions) is not bridged.
func SDKv2Provider(version string) *schema.Provider {
	return provider.New(version)()
}

// ClientConfig is the provider configuration a Docker client is made from (the provider's host, ssh_opts,
// ca_material, cert_material, key_material, cert_path).
type ClientConfig struct {
	Host     string
	SSHOpts  []string
	Ca       string
	Cert     string
	Key      string
	CertPath string
}

// DockerClient makes a Docker Engine API client the way the Terraform provider does for its resources (TLS
// material, ssh:// through the docker CLI's connection helper, API version negotiation, a ping): the native
// docker.Image of the stand-in plugin uses it, so it reaches the same engine as the bridged resources.
func DockerClient(ctx context.Context, c ClientConfig) (*client.Client, error) {
	pc := &provider.ProviderConfig{DefaultConfig: &provider.Config{
		Host: c.Host, SSHOpts: c.SSHOpts, Ca: c.Ca, Cert: c.Cert, Key: c.Key, CertPath: c.CertPath,
	}}
	return pc.MakeClient(ctx, nil)
}

// PrepareBuildContext is the Terraform provider's docker_image build context: the context directory as a
// compressed tar without what .dockerignore excludes (the Dockerfile and .dockerignore always kept), the
// Dockerfile added when it lies outside the context; it returns the Dockerfile's name inside the tar.
func PrepareBuildContext(contextDir, dockerfile string) (io.ReadCloser, string, error) {
	return provider.PrepareBuildContextForShim(contextDir, dockerfile)
}
