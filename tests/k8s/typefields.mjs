// Unknown-field detection for Kubernetes objects. The kubernetes-models validators accept
// any extra property, so this module reads the field tree from the packages' TypeScript
// declarations (generated from the same OpenAPI schemas) and reports every field of an
// object that its type does not declare, e.g. `spec.template.spec.containers[0].imagePullPolicyy`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modulesDir = join(here, "node_modules");

// Parsed declaration files: path -> { imports: Map<name, path>, root: type }.
const fileCache = new Map();

function tokenize(source) {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
  const tokens = [];
  const pattern = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$.]*|-?\d+(?:\.\d+)?|=>|[{}<>[\]():;?|,&=]/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[0]);
  return tokens;
}

// Recursive-descent parser over the subset of TypeScript type syntax the generated
// declarations use: object literals, index signatures, Array<T>, T[], unions, names.
class TypeParser {
  constructor(tokens, pos) {
    this.tokens = tokens;
    this.pos = pos;
  }
  peek() {
    return this.tokens[this.pos];
  }
  next() {
    return this.tokens[this.pos++];
  }
  expect(token) {
    const got = this.next();
    if (got !== token) throw new Error(`declaration parse: expected ${token}, got ${got}`);
  }
  parseType() {
    const options = [this.parsePostfix()];
    while (this.peek() === "|" || this.peek() === "&") {
      this.next();
      options.push(this.parsePostfix());
    }
    return options.length === 1 ? options[0] : { kind: "union", options };
  }
  parsePostfix() {
    let type = this.parsePrimary();
    while (this.peek() === "[" && this.tokens[this.pos + 1] === "]") {
      this.pos += 2;
      type = { kind: "array", of: type };
    }
    return type;
  }
  parsePrimary() {
    const token = this.next();
    if (token === "{") return this.parseMembers();
    if (token === "(") {
      const inner = this.parseType();
      this.expect(")");
      return inner;
    }
    if (token === "Array" && this.peek() === "<") {
      this.next();
      const of = this.parseType();
      this.expect(">");
      return { kind: "array", of };
    }
    if (this.peek() === "<") this.skipGeneric();
    if (/^[A-Za-z_$]/.test(token)) return { kind: "name", name: token };
    return { kind: "leaf" };
  }
  skipGeneric() {
    let depth = 0;
    do {
      const token = this.next();
      if (token === "<") depth++;
      if (token === ">") depth--;
    } while (depth > 0 && this.pos < this.tokens.length);
  }
  parseMembers() {
    const props = new Map();
    let index = null;
    while (this.peek() !== "}") {
      if (this.peek() === "[") {
        this.next();
        this.next(); // key name
        this.expect(":");
        this.parseType();
        this.expect("]");
        this.expect(":");
        index = this.parseType();
      } else {
        const key = this.next().replace(/^["']|["']$/g, "");
        if (this.peek() === "?") this.next();
        if (this.peek() === "(") {
          this.skipMethod();
          continue;
        }
        this.expect(":");
        props.set(key, this.parseType());
      }
      if (this.peek() === ";" || this.peek() === ",") this.next();
    }
    this.next();
    return { kind: "object", props, index };
  }
  skipMethod() {
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const token = this.next();
      if (token === "(" || token === "{") depth++;
      if (token === ")" || token === "}") depth--;
      if (depth === 0 && token === ";") return;
    }
  }
}

function resolveModule(fromFile, spec) {
  const base = spec.startsWith(".") ? resolve(dirname(fromFile), spec) : join(modulesDir, spec);
  for (const candidate of [`${base}.d.ts`, join(base, "index.d.ts")]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

// The first exported interface or type alias of a declaration file, with its imports.
function loadFile(path) {
  if (fileCache.has(path)) return fileCache.get(path);
  const source = readFileSync(path, "utf8");
  const imports = new Map();
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    const target = resolveModule(path, m[2]);
    for (const part of m[1].split(",")) {
      const names = part.trim().split(/\s+as\s+/);
      if (names[0]) imports.set(names[names.length - 1], target);
    }
  }
  const tokens = tokenize(source);
  let root = { kind: "leaf" };
  for (let i = 0; i < tokens.length - 2; i++) {
    if (tokens[i] === "interface") {
      const open = tokens.indexOf("{", i); // past any `extends` clause
      root = new TypeParser(tokens, open + 1).parseMembers();
      break;
    }
    if (tokens[i] === "type" && tokens[i + 2] === "=") {
      root = new TypeParser(tokens, i + 3).parseType();
      break;
    }
  }
  const parsed = { path, imports, root };
  fileCache.set(path, parsed);
  return parsed;
}

// Resolves a name reference to the structural type it stands for (leaf if unknown).
function deref(type, file) {
  let current = type;
  let context = file;
  for (let hops = 0; current.kind === "name" && hops < 8; hops++) {
    const target = context.imports.get(current.name);
    if (!target) return { type: { kind: "leaf" }, file: context };
    context = loadFile(target);
    current = context.root;
  }
  return { type: current, file: context };
}

function walk(value, type, file, path, errors) {
  const { type: resolved, file: context } = deref(type, file);
  if (resolved.kind === "union") {
    const objectOption = resolved.options.find((o) => deref(o, context).type.kind === "object");
    if (objectOption && value && typeof value === "object" && !Array.isArray(value)) {
      walk(value, objectOption, context, path, errors);
    }
    return;
  }
  if (resolved.kind === "array" && Array.isArray(value)) {
    value.forEach((item, i) => walk(item, resolved.of, context, `${path}[${i}]`, errors));
    return;
  }
  if (resolved.kind !== "object" || !value || typeof value !== "object" || Array.isArray(value)) {
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const field = resolved.props.get(key) ?? resolved.index;
    const childPath = path ? `${path}.${key}` : key;
    if (!field) {
      errors.push(`unknown field ${childPath}`);
      continue;
    }
    walk(child, field, context, childPath, errors);
  }
}

// Lists the fields of `object` that the declaration file `declPath` does not declare.
export function unknownFields(object, declPath) {
  const errors = [];
  const file = loadFile(declPath);
  walk(object, file.root, file, "", errors);
  return errors;
}
