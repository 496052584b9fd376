package provider

// The native docker:index/image:Image: our own implementation of what @pulumi/docker 5.x's Image does for a
// local build (skipPush), through the Docker Engine API of the provider's host (the same client the bridged
// resources use, pulumishim.DockerClient):
//   - Check: defaults (context ".", dockerfile <context>/Dockerfile), and build.contextDigest, a hash of the
//     build context as .dockerignore leaves it plus the Dockerfile, so a source change is a diff;
//   - Diff: any input change (but registry username/password) is an update (a rebuild), as published;
//   - Create/Update: build (BuildKit by default, as published; builderVersion BuilderV1 for the classic
//     builder), tag imageName; outputs imageName, baseImageName, context, dockerfile (relative to the
//     context), platform, registryServer and repoDigest = the image ID (`sha256:…`), which the published
//     plugin reports for a local image. Not built during preview unless buildOnPreview (repoDigest unknown);
//   - Read returns the state as it is, Delete leaves the image in place (both as published).
// Pushing to a registry (skipPush false) is not implemented: Check fails with a message saying so.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/docker/cli/cli/command/image/build"
	buildtypes "github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/session"
	"github.com/moby/patternmatcher"
	"google.golang.org/protobuf/proto"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/terraform-providers/terraform-provider-docker/pulumishim"
)

const (
	builderV1       = "BuilderV1"
	builderBuildKit = "BuilderBuildKit"
	// BuildKit through the Engine API's /build with a session: API 1.39 (Docker 18.09) and later.
	minBuildKitAPI = "1.39"
)

type imageProvider struct {
	host *provider.HostClient

	mu     sync.Mutex
	cfg    pulumishim.ClientConfig
	client *client.Client
}

func isImage(urn string) bool {
	return string(resource.URN(urn).Type()) == ImageToken
}

// configure records the provider configuration (the same as the bridged provider's: host, sshOpts and the
// TLS settings, with the Terraform provider's environment defaults).
func (p *imageProvider) configure(req *pulumirpc.ConfigureRequest) {
	vals := map[string]resource.PropertyValue{}
	if args := req.GetArgs(); args != nil {
		if pm, err := plugin.UnmarshalProperties(args, plugin.MarshalOptions{SkipNulls: true}); err == nil {
			for k, v := range pm {
				vals[string(k)] = v
			}
		}
	}
	get := func(key, env string) string {
		if v, ok := vals[key]; ok && v.IsString() && v.StringValue() != "" {
			return v.StringValue()
		}
		if v := req.GetVariables()["docker:config:"+key]; v != "" {
			return v
		}
		return os.Getenv(env)
	}
	cfg := pulumishim.ClientConfig{
		Host:     get("host", "DOCKER_HOST"),
		Ca:       get("caMaterial", "DOCKER_CA_MATERIAL"),
		Cert:     get("certMaterial", "DOCKER_CERT_MATERIAL"),
		Key:      get("keyMaterial", "DOCKER_KEY_MATERIAL"),
		CertPath: get("certPath", "DOCKER_CERT_PATH"),
	}
	if cfg.Host == "" {
		cfg.Host = "unix:///var/run/docker.sock"
	}
	if v, ok := vals["sshOpts"]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				cfg.SSHOpts = append(cfg.SSHOpts, e.StringValue())
			}
		}
	} else if s := get("sshOpts", "DOCKER_SSH_OPTS"); s != "" {
		if json.Unmarshal([]byte(s), &cfg.SSHOpts) != nil {
			cfg.SSHOpts = strings.Fields(s)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg, p.client = cfg, nil
}

func (p *imageProvider) dockerClient(ctx context.Context) (*client.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client == nil {
		c, err := pulumishim.DockerClient(ctx, p.cfg)
		if err != nil {
			return nil, fmt.Errorf("docker.Image: cannot reach the Docker engine at %s: %w", p.cfg.Host, err)
		}
		p.client = c
	}
	return p.client, nil
}

// imageInputs are the inputs a build needs, defaults applied.
type imageInputs struct {
	ImageName      string
	SkipPush       bool
	BuildOnPreview bool
	Context        string // as given, "." by default
	ContextDir     string // absolute
	Dockerfile     string // absolute
	Args           map[string]*string
	Target         string
	Platform       string
	Network        string
	AddHosts       []string
	CacheFrom      []string
	BuilderVersion string
	RegistryServer string
}

func strProp(m resource.PropertyMap, k string) string {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func strList(v resource.PropertyValue) []string {
	var out []string
	if v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

// parseImageInputs reads plain (secrets unwrapped), known inputs.
func parseImageInputs(m resource.PropertyMap) (imageInputs, error) {
	in := imageInputs{ImageName: strProp(m, "imageName"), BuilderVersion: builderBuildKit}
	if v, ok := m["skipPush"]; ok && v.IsBool() {
		in.SkipPush = v.BoolValue()
	}
	if v, ok := m["buildOnPreview"]; ok && v.IsBool() {
		in.BuildOnPreview = v.BoolValue()
	}
	if v, ok := m["registry"]; ok && v.IsObject() {
		in.RegistryServer = strProp(v.ObjectValue(), "server")
	}
	b := resource.PropertyMap{}
	if v, ok := m["build"]; ok && v.IsObject() {
		b = v.ObjectValue()
	}
	in.Context = strProp(b, "context")
	if in.Context == "" {
		in.Context = "."
	}
	var err error
	if in.ContextDir, err = filepath.Abs(in.Context); err != nil {
		return in, err
	}
	if st, err := os.Stat(in.ContextDir); err != nil || !st.IsDir() {
		return in, fmt.Errorf("build.context %q is not a directory", in.Context)
	}
	in.Dockerfile, err = resolveDockerfile(in.ContextDir, strProp(b, "dockerfile"))
	if err != nil {
		return in, err
	}
	if v, ok := b["args"]; ok && v.IsObject() {
		in.Args = map[string]*string{}
		for k, a := range v.ObjectValue() {
			s := ""
			if a.IsString() {
				s = a.StringValue()
			}
			in.Args[string(k)] = &s
		}
	}
	in.Target, in.Platform, in.Network = strProp(b, "target"), strProp(b, "platform"), strProp(b, "network")
	in.AddHosts = strList(b["addHosts"])
	if v, ok := b["cacheFrom"]; ok && v.IsObject() {
		in.CacheFrom = strList(v.ObjectValue()["images"])
	}
	switch bv := strProp(b, "builderVersion"); bv {
	case "":
	case builderV1, builderBuildKit:
		in.BuilderVersion = bv
	default:
		return in, fmt.Errorf("build.builderVersion %q is neither %s nor %s", bv, builderV1, builderBuildKit)
	}
	return in, nil
}

// resolveDockerfile: absolute as given; relative to the working directory (the program's, as published), else
// to the context; <context>/Dockerfile by default.
func resolveDockerfile(contextDir, dockerfile string) (string, error) {
	candidates := []string{filepath.Join(contextDir, "Dockerfile")}
	if dockerfile != "" {
		candidates = []string{dockerfile}
		if !filepath.IsAbs(dockerfile) {
			candidates = append(candidates, filepath.Join(contextDir, dockerfile))
		}
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return filepath.Abs(c)
		}
	}
	return "", fmt.Errorf("no Dockerfile at %s", strings.Join(candidates, " or "))
}

// contextDigest hashes what the build sends: every file and directory of the context that .dockerignore does
// not exclude (path, mode, content or link target; not times, so a fresh checkout is no change), and the
// Dockerfile's content.
func contextDigest(contextDir, dockerfile string) (string, error) {
	excludes, err := build.ReadDockerignore(contextDir)
	if err != nil {
		return "", err
	}
	relDockerfile, err := filepath.Rel(contextDir, dockerfile)
	if err != nil {
		return "", err
	}
	excludes = build.TrimBuildFilesFromExcludes(excludes, relDockerfile, false)
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return "", fmt.Errorf(".dockerignore: %w", err)
	}
	h := sha256.New()
	var paths []string
	modes := map[string]fs.FileMode{}
	err = filepath.WalkDir(contextDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		//nolint:staticcheck // MatchesOrParentMatches is what docker's own context walk uses (via go-archive)
		skip, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if skip {
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		paths = append(paths, rel)
		modes[rel] = info.Mode()
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading build context %s: %w", contextDir, err)
	}
	sort.Strings(paths)
	for _, rel := range paths {
		mode := modes[rel]
		fmt.Fprintf(h, "%s\x00%o\x00", rel, mode)
		p := filepath.Join(contextDir, filepath.FromSlash(rel))
		switch {
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			h.Write([]byte(target))
		case mode.IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", err
			}
		}
		h.Write([]byte{0})
	}
	df, err := os.ReadFile(dockerfile)
	if err != nil {
		return "", err
	}
	h.Write([]byte("\x00Dockerfile\x00"))
	h.Write(df)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

var unmarshalPlain = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}
var marshalKeep = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func (p *imageProvider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	if v, ok := news["imageName"]; !ok || v.IsNull() || (v.IsString() && v.StringValue() == "") {
		fail("imageName", "missing required property 'imageName'")
	}
	if v, ok := news["skipPush"]; !ok || (v.IsBool() && !v.BoolValue()) {
		fail("skipPush", "this stand-in docker plugin (eth-node engine tests) only builds local images: set skipPush: true")
	}
	// build.contextDigest: what the build would send, so a change of the sources is a diff (and a rebuild).
	// Build settings from other resources' outputs (unknown in a preview): computed once they are known.
	if b, hasBuild := news["build"]; !hasBuild || !b.ContainsUnknowns() {
		if in, err := parseImageInputs(unwrapSecrets(news)); err != nil {
			fail("build", err.Error())
		} else if digest, err := contextDigest(in.ContextDir, in.Dockerfile); err != nil {
			fail("build", err.Error())
		} else {
			obj, secret := resource.PropertyMap{}, false
			if hasBuild && b.IsSecret() {
				b, secret = b.SecretValue().Element, true
			}
			if hasBuild && b.IsObject() {
				obj = b.ObjectValue().Copy()
			}
			obj["contextDigest"] = resource.NewStringProperty(digest)
			news["build"] = resource.NewObjectProperty(obj)
			if secret {
				news["build"] = resource.MakeSecret(news["build"])
			}
		}
	}
	inputs, err := plugin.MarshalProperties(news, marshalKeep)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// unwrapSecrets returns m with every secret replaced by its value (deeply).
func unwrapSecrets(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = unwrapSecret(v)
	}
	return out
}

func unwrapSecret(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unwrapSecret(v.SecretValue().Element)
	case v.IsObject():
		return resource.NewObjectProperty(unwrapSecrets(v.ObjectValue()))
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = unwrapSecret(e)
		}
		return resource.NewArrayProperty(arr)
	}
	return v
}

func (p *imageProvider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, err := plugin.UnmarshalProperties(oldStruct, unmarshalPlain)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshalPlain)
	if err != nil {
		return nil, err
	}
	d := olds.Diff(news)
	if d == nil {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for k := range d.Adds {
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_ADD}
	}
	for k := range d.Deletes {
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_DELETE}
	}
	for k, vd := range d.Updates {
		if k == "registry" && vd.Object != nil {
			// Credentials may change without a rebuild (as published); the server may not.
			if _, server := vd.Object.Updates["server"]; !server && len(vd.Object.Adds)+len(vd.Object.Deletes) == 0 {
				continue
			}
		}
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE}
	}
	if len(detailed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	var changed []string
	for k := range detailed {
		changed = append(changed, k)
	}
	sort.Strings(changed)
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

// apply builds (or, in a preview, predicts) the image for Create and Update.
func (p *imageProvider) apply(ctx context.Context, urn resource.URN, props *structpb.Struct, preview bool) (string, *structpb.Struct, error) {
	raw, err := plugin.UnmarshalProperties(props, unmarshalPlain)
	if err != nil {
		return "", nil, err
	}
	plain := unwrapSecrets(raw)
	known := !plain.ContainsUnknowns()
	in, err := imageInputs{}, error(nil)
	if known {
		if in, err = parseImageInputs(plain); err != nil {
			return "", nil, err
		}
	}
	if preview && !(known && in.BuildOnPreview) {
		out := resource.PropertyMap{"repoDigest": resource.MakeComputed(resource.NewStringProperty(""))}
		for _, k := range []resource.PropertyKey{"imageName", "baseImageName", "context", "dockerfile", "platform", "registryServer"} {
			out[k] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		if known {
			out = imageOutputs(in, "")
			out["repoDigest"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		s, err := plugin.MarshalProperties(out, marshalKeep)
		return strProp(plain, "imageName"), s, err
	}
	if !known {
		return "", nil, errors.New("docker.Image: inputs still unknown outside a preview")
	}
	id, err := p.build(ctx, urn, in)
	if err != nil {
		return "", nil, err
	}
	s, err := plugin.MarshalProperties(imageOutputs(in, id), marshalKeep)
	return in.ImageName, s, err
}

func imageOutputs(in imageInputs, imageID string) resource.PropertyMap {
	rel, err := filepath.Rel(in.ContextDir, in.Dockerfile)
	if err != nil {
		rel = in.Dockerfile
	}
	out := resource.PropertyMap{
		"imageName":      resource.NewStringProperty(in.ImageName),
		"baseImageName":  resource.NewStringProperty(in.ImageName),
		"context":        resource.NewStringProperty(in.Context),
		"dockerfile":     resource.NewStringProperty(rel),
		"registryServer": resource.NewStringProperty(in.RegistryServer),
		"repoDigest":     resource.NewStringProperty(imageID),
	}
	if in.Platform != "" {
		out["platform"] = resource.NewStringProperty(in.Platform)
	}
	return out
}

func (p *imageProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	id, props, err := p.apply(ctx, resource.URN(req.GetUrn()), req.GetProperties(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *imageProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	_, props, err := p.apply(ctx, resource.URN(req.GetUrn()), req.GetNews(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *imageProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Inputs: req.GetInputs(), Properties: req.GetProperties()}, nil
}

func (p *imageProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

// build runs the build on the engine and returns the tagged image's ID.
func (p *imageProvider) build(ctx context.Context, urn resource.URN, in imageInputs) (string, error) {
	cli, err := p.dockerClient(ctx)
	if err != nil {
		return "", err
	}
	p.status(ctx, urn, fmt.Sprintf("Building %s (%s)", in.ImageName, in.BuilderVersion))
	tarCtx, relDockerfile, err := pulumishim.PrepareBuildContext(in.ContextDir, in.Dockerfile)
	if err != nil {
		return "", fmt.Errorf("docker.Image %s: build context: %w", in.ImageName, err)
	}
	defer tarCtx.Close()
	opts := buildtypes.ImageBuildOptions{
		Tags: []string{in.ImageName}, Dockerfile: relDockerfile, BuildArgs: in.Args, Target: in.Target,
		Platform: in.Platform, NetworkMode: in.Network, ExtraHosts: in.AddHosts, CacheFrom: in.CacheFrom,
		Remove: true, ForceRemove: true, Version: buildtypes.BuilderV1,
	}
	if in.BuilderVersion == builderBuildKit {
		if versions.LessThan(cli.ClientVersion(), minBuildKitAPI) {
			p.log(ctx, diag.Warning, urn, fmt.Sprintf("Docker API %s has no BuildKit: building with the classic builder", cli.ClientVersion()))
		} else {
			sess, err := session.NewSession(ctx, fmt.Sprintf("eth-node-docker-standin-%d", rand.Int63()))
			if err != nil {
				return "", fmt.Errorf("docker.Image %s: BuildKit session: %w", in.ImageName, err)
			}
			done := make(chan struct{})
			go func() {
				_ = sess.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
					return cli.DialHijack(ctx, "/session", proto, meta)
				})
				close(done)
			}()
			defer func() { _ = sess.Close(); <-done }()
			opts.SessionID, opts.Version = sess.ID(), buildtypes.BuilderBuildKit
		}
	}
	resp, err := cli.ImageBuild(ctx, tarCtx, opts)
	if err != nil {
		return "", fmt.Errorf("docker.Image %s: %w", in.ImageName, err)
	}
	defer resp.Body.Close()
	if tail, err := p.streamBuild(ctx, urn, resp.Body); err != nil {
		return "", fmt.Errorf("docker.Image %s: build failed: %w\n%s", in.ImageName, err, strings.Join(tail, "\n"))
	}
	img, err := cli.ImageInspect(ctx, in.ImageName)
	if err != nil {
		return "", fmt.Errorf("docker.Image %s: built, but cannot inspect the tag: %w", in.ImageName, err)
	}
	p.status(ctx, urn, fmt.Sprintf("Built %s: %s", in.ImageName, img.ID))
	return img.ID, nil
}

// streamBuild shows the build's progress as status messages and returns its last lines and its error.
func (p *imageProvider) streamBuild(ctx context.Context, urn resource.URN, body io.Reader) ([]string, error) {
	const keep = 40
	var tail []string
	add := func(line string) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			return
		}
		tail = append(tail, line)
		if len(tail) > keep {
			tail = tail[len(tail)-keep:]
		}
		p.status(ctx, urn, line)
	}
	var buildErr error
	dec := json.NewDecoder(body)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return tail, fmt.Errorf("reading the build's output: %w", err)
		}
		switch {
		case m.Error != nil:
			buildErr = errors.New(m.Error.Message)
		case m.ID == "moby.buildkit.trace" && m.Aux != nil:
			var dt []byte
			var st controlapi.StatusResponse
			if json.Unmarshal(*m.Aux, &dt) == nil && proto.Unmarshal(dt, &st) == nil {
				for _, v := range st.Vertexes {
					if v.Completed == nil && v.Started != nil {
						add("[buildkit] " + v.Name)
					}
					if v.Error != "" {
						add("[buildkit] " + v.Name + ": " + v.Error)
					}
				}
				for _, l := range st.Logs {
					for _, line := range strings.Split(string(l.Msg), "\n") {
						add(line)
					}
				}
			}
		case m.Stream != "":
			for _, line := range strings.Split(m.Stream, "\n") {
				add(line)
			}
		case m.Status != "":
			add(strings.TrimSpace(m.ID + " " + m.Status))
		}
	}
	return tail, buildErr
}

func (p *imageProvider) status(ctx context.Context, urn resource.URN, msg string) {
	if p.host != nil {
		_ = p.host.LogStatus(ctx, diag.Info, urn, msg)
	}
}

func (p *imageProvider) log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) {
	if p.host != nil {
		_ = p.host.Log(ctx, sev, urn, msg)
	}
}
