// Added by build-docker-provider.sh to its working copy of the Terraform docker provider (never committed
// there): exports what the pulumishim package re-exports and Go's internal/ and unexported rules would hide.

package provider

import "io"

// PrepareBuildContextForShim is prepareBuildContext (docker_image's build context: .dockerignore, a Dockerfile
// outside the context, compressed).
func PrepareBuildContextForShim(contextDir, dockerfile string) (io.ReadCloser, string, error) {
	return prepareBuildContext(contextDir, dockerfile)
}
