package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

// Serve runs the plugin: the bridged Terraform provider (the given, embedded schema, which also declares the
// native resources), wrapped so the native docker:index/image:Image is served by imageProvider. `-version`
// prints the version (as tfbridge.Main does).
func Serve(schema []byte) {
	for _, a := range os.Args[1:] {
		if a == "-version" || a == "--version" {
			fmt.Println(Version)
			return
		}
	}
	ctx := context.Background()
	info := Provider()
	info.P.InitLogging(ctx)
	err := provider.Main(Package, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		bridged := tfbridge.NewProvider(ctx, host, Package, Version, info.P, info, schema)
		return &server{ResourceProviderServer: bridged, image: &imageProvider{host: host}}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

// server is the bridge's ResourceProviderServer with the calls for the native resources routed by type (the
// engine names the type in every resource call's URN); everything else (the schema, the provider
// configuration's check and diff, functions, the Terraform resources) is the bridge's.
type server struct {
	pulumirpc.ResourceProviderServer
	image *imageProvider
}

func (s *server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	s.image.configure(req)
	return s.ResourceProviderServer.Configure(ctx, req)
}

// route sends a resource call to the native resource's implementation when the URN names one (image), to the
// bridge's otherwise.
func route[Req interface{ GetUrn() string }, Resp any](ctx context.Context, req Req,
	image, bridged func(context.Context, Req) (Resp, error)) (Resp, error) {
	if isImage(req.GetUrn()) {
		return image(ctx, req)
	}
	return bridged(ctx, req)
}

func (s *server) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return route(ctx, req, s.image.Check, s.ResourceProviderServer.Check)
}

func (s *server) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return route(ctx, req, s.image.Diff, s.ResourceProviderServer.Diff)
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	return route(ctx, req, s.image.Create, s.ResourceProviderServer.Create)
}

func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return route(ctx, req, s.image.Read, s.ResourceProviderServer.Read)
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return route(ctx, req, s.image.Update, s.ResourceProviderServer.Update)
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	return route(ctx, req, s.image.Delete, s.ResourceProviderServer.Delete)
}
