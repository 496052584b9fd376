// Package pulumishim is added by build-docker-provider.sh to its working copy of the Terraform docker provider
// (github.com/terraform-providers/terraform-provider-docker, served by the Go module proxy as
// github.com/kreuzwerker/terraform-provider-docker). The provider's code is under internal/, which another
// module cannot import; this package lives inside that module and re-exports the one constructor the Pulumi
// bridge needs. It is never committed inside the copy: the copy lives in the build cache.
package pulumishim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// SDKv2Provider is the provider's SDKv2 half (docker_container, docker_network, docker_volume, … and their data
// sources). The plugin-framework half (docker_compose, docker_containers, actions) is not bridged.
func SDKv2Provider(version string) *schema.Provider {
	return provider.New(version)()
}
