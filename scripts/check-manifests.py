"""Checks deploy/k8s against the petal binary: renders every overlay, validates it against a
pinned Kubernetes version (strict: misspelt fields fail), then checks what schema validation
cannot see:

- every role of the binary (`petal roles`) has a Deployment running it, and every Deployment
  runs a role the binary knows;
- every probe points at a port its container declares, and that port is one the role binds
  (its ops port; web also the storefront's 3000);
- every environment variable the manifests set is one petal reads (docs/operations.md's table), and
  each role gets what it cannot run without in a cluster: the broker and each of its databases;
- every selector (Deployment, StatefulSet, Service, PodDisruptionBudget) matches pod labels;
- every Ingress backend names a Service and one of its ports, and every HPA or ScaledObject
  names a Deployment;
- every secret a pod refers to exists in the overlay (local), or is in the documented list of
  secrets to create (prod);
- every resource path of the original service map reaches web through the Ingress.

usage: python3 scripts/check-manifests.py PETAL_BINARY [--skip-schema]
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
OVERLAYS = ["local", "prod"]
KUBERNETES = "1.30.0"
SEED_PATHS = ["/api/orders", "/api/payments", "/api/orderHistories", "/api/productInfos",
              "/api/deliveries", "/api/products", "/api/messages"]
SITE_PORT = 3000
# Secrets an operator creates for prod (the overlay references them, never commits them).
PROD_SECRETS = {"petal-broker", "petal-staff", "petal-mariadb", "petal-notification-db"} | {
    f"petal-{db}-db" for db in ["inventory", "order", "payment", "processor", "delivery", "view", "web"]}


def render(overlay):
    kustomize = ["kubectl", "kustomize"] if shutil.which("kubectl") else ["kustomize", "build"]
    result = subprocess.run(kustomize + [str(ROOT / "deploy/k8s/overlays" / overlay)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{overlay}: kustomize cannot render it:\n{result.stderr}")
    return result.stdout, [d for d in yaml.safe_load_all(result.stdout) if d]


def petal_roles(binary):
    out = subprocess.run([binary, "roles"], check=True, capture_output=True, text=True).stdout
    roles = {}
    for line in out.strip().splitlines():
        name, port, databases = line.split()
        roles[name] = {"port": int(port), "databases": databases.split(",")}
    return roles


def variables_petal_reads(roles):
    # The configuration table, which a unit test keeps equal to what Settings reads.
    source = (ROOT / "docs/operations.md").read_text()
    names = set(re.findall(r"`((?:PETAL|LEPTOS)_[A-Z0-9_]+)`", source)) | {"RUST_LOG"}
    names.discard("PETAL_")
    databases = {db for role in roles.values() for db in role["databases"]}
    names |= {f"PETAL_{db.upper()}_DATABASE_URL" for db in databases}
    return {n for n in names if "<" not in n}


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check(overlay, objects, roles, readable):
    problems = []
    say = problems.append
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], []).append(o)
    deployments = by_kind.get("Deployment", [])
    pod_templates = [(o, o["spec"]["template"]) for o in deployments + by_kind.get("StatefulSet", [])]

    run_roles = {}
    for d in deployments:
        name = d["metadata"]["name"]
        tpl = d["spec"]["template"]
        if not matches(d["spec"]["selector"].get("matchLabels"), tpl["metadata"].get("labels", {})):
            say(f"{name}: its selector does not match its template's labels")
        for c in tpl["spec"]["containers"]:
            if c.get("image", "").startswith("mariadb"):
                continue
            args = c.get("args", [])
            role = args[0] if args else "all"
            if role not in roles:
                say(f"{name}: runs role {role!r}, which petal does not know ({', '.join(roles)})")
                continue
            run_roles[role] = name
            bound = {roles[role]["port"]} | ({SITE_PORT} if role == "web" else set())
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for p in ports.values():
                if p not in bound:
                    say(f"{name}: declares port {p}, which role {role} does not bind ({sorted(bound)})")
            for probe in ["startupProbe", "readinessProbe", "livenessProbe"]:
                if probe not in c:
                    say(f"{name}: has no {probe}")
                    continue
                port = c[probe].get("httpGet", {}).get("port")
                number = ports.get(port, port)
                if number not in bound:
                    say(f"{name}: {probe} points at {port!r}, which role {role} does not bind")
                if c[probe]["httpGet"]["path"] == "/health/ready" and number != roles[role]["port"]:
                    say(f"{name}: {probe} asks for readiness off the ops port")
            env = {e["name"]: e for e in c.get("env", [])}
            for var in env:
                if var not in readable:
                    say(f"{name}: sets {var}, which petal does not read")
            needed = {"PETAL_AMQP_URL"} | {f"PETAL_{db.upper()}_DATABASE_URL" for db in roles[role]["databases"]}
            for var in sorted(needed - set(env)):
                say(f"{name}: role {role} needs {var} in a cluster and does not get it")
            sc = c.get("securityContext", {})
            if not (sc.get("readOnlyRootFilesystem") and sc.get("allowPrivilegeEscalation") is False
                    and sc.get("capabilities", {}).get("drop") == ["ALL"]):
                say(f"{name}: container is not read-only, non-escalating with every capability dropped")
            if not tpl["spec"].get("securityContext", {}).get("runAsNonRoot"):
                say(f"{name}: pod may run as root")
    for role in roles:
        if role not in run_roles:
            say(f"role {role} has no Deployment")

    for kind in ["Service", "PodDisruptionBudget"]:
        for o in by_kind.get(kind, []):
            sel = o["spec"].get("selector", {})
            sel = sel.get("matchLabels", sel) if kind == "PodDisruptionBudget" else sel
            if not any(matches(sel, t["metadata"].get("labels", {})) for _, t in pod_templates):
                say(f"{kind} {o['metadata']['name']}: its selector matches no pod")

    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    routed = {}
    for ing in by_kind.get("Ingress", []):
        for rule in ing["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                svc = path["backend"]["service"]
                target = services.get(svc["name"])
                if target is None:
                    say(f"Ingress {ing['metadata']['name']}: {path['path']} goes to {svc['name']}, which does not exist")
                    continue
                port = svc["port"].get("name", svc["port"].get("number"))
                if not any(port in (p.get("name"), p.get("port")) for p in target["spec"]["ports"]):
                    say(f"Ingress: {path['path']} names port {port!r} of {svc['name']}, which has none")
                routed[path["path"]] = (svc["name"], path.get("pathType"))
    web_service = [n for n, s in services.items() if matches(s["spec"]["selector"], {"app.kubernetes.io/name": "petal", "app.kubernetes.io/component": "web"})]
    for seed in SEED_PATHS:
        target = routed.get(seed)
        if target is None or target[0] not in web_service:
            say(f"the resource path {seed} does not reach web")

    names = {d["metadata"]["name"] for d in deployments}
    for o in by_kind.get("HorizontalPodAutoscaler", []) + by_kind.get("ScaledObject", []):
        ref = o["spec"]["scaleTargetRef"]["name"]
        if ref not in names:
            say(f"{o['kind']} {o['metadata']['name']} scales {ref}, which does not exist")

    secrets = {s["metadata"]["name"] for s in by_kind.get("Secret", [])}
    known = secrets if overlay == "local" else secrets | PROD_SECRETS
    referred = set()
    for _, tpl in pod_templates:
        for c in tpl["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referred.add(ref["name"])
    for o in objects:
        text = json.dumps(o)
        referred |= set(re.findall(r'"passwordSecret": \{"name": "([^"]+)"', text))
        for t in o.get("spec", {}).get("secretTargetRef", []) if o["kind"] == "TriggerAuthentication" else []:
            referred.add(t["name"])
    for name in sorted(referred - known):
        say(f"secret {name} is referred to but does not exist")
    if overlay == "prod" and secrets:
        say(f"prod commits secrets: {sorted(secrets)}")
    return problems


def main():
    binary = sys.argv[1]
    roles = petal_roles(binary)
    readable = variables_petal_reads(roles)
    failed = False
    for overlay in OVERLAYS:
        text, objects = render(overlay)
        if "--skip-schema" not in sys.argv:
            result = subprocess.run(["kubernetes-validate", "-k", KUBERNETES, "--strict", "--quiet", "--no-warn", "-"],
                                    input=text, capture_output=True, text=True)
            if result.returncode != 0:
                failed = True
                print(f"{overlay}: not valid Kubernetes {KUBERNETES}:\n{result.stdout}{result.stderr}")
        problems = check(overlay, objects, roles, readable)
        for p in problems:
            print(f"{overlay}: {p}")
        failed |= bool(problems)
        print(f"{overlay}: {len(objects)} objects, {len(problems)} problems")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
