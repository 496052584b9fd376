// pulumi-resource-docker is the stand-in docker provider plugin (see ../../NOTES.md): the bridged Terraform
// docker provider, with the schema pulumi-tfgen-docker wrote embedded (build-docker-provider.sh puts
// schema.json next to this file in its build copy before building).
package main

import (
	_ "embed"

	"eth-node-e2e/providers/docker/provider"
)

//go:embed schema.json
var schema []byte

func main() {
	provider.Serve(schema)
}
