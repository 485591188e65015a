/**
 * @module The three patch types applied in memory, as the apiserver applies them (for the fake KubeApi).
 *
 * - JSON merge patch (RFC 7386): objects merge, `null` deletes, arrays replace.
 * - Strategic merge patch: the same, except lists with a merge key (node
 *   conditions by `type`, …) merge element by element and `$patch: delete`
 *   removes one; lists without a key (taints) replace, as on the server.
 * - JSON patch (RFC 6902): add, remove, replace, test; removing a missing path fails.
 *
 * All three return a new document and never change their inputs. Errors are
 * plain `Error`s; the fake turns them into a 422 like the apiserver.
 */

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: Json, patch: Json): Json {
	if (!isObject(patch)) return structuredClone(patch);
	const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
	for (const [key, value] of Object.entries(patch)) {
		if (value === null) delete result[key];
		else result[key] = applyMergePatch(result[key], value);
	}
	return result;
}

/** Merge keys of the lists the agent patches strategically (from the core/v1 Go struct tags). */
const mergeKeys: Readonly<Record<string, string>> = {
	'status.conditions': 'type',
	'status.addresses': 'type',
	'metadata.ownerReferences': 'uid',
	'spec.containers': 'name',
	'spec.volumes': 'name',
};

function mergeList(target: Json, patch: readonly Json[], key: string): Json[] {
	const result: Json[] = Array.isArray(target) ? structuredClone(target) : [];
	for (const item of patch) {
		if (!isObject(item)) throw new Error(`Cannot merge list element ${JSON.stringify(item)}: not an object`);
		const id = item[key];
		if (id === undefined) throw new Error(`Cannot merge list element ${JSON.stringify(item)}: missing merge key "${key}"`);
		const index = result.findIndex((existing) => isObject(existing) && existing[key] === id);
		if (item['$patch'] === 'delete') {
			if (index >= 0) result.splice(index, 1);
			continue;
		}
		if (index >= 0) result[index] = strategic(result[index], item, '');
		else result.push(strategic(undefined, item, ''));
	}
	return result;
}

function strategic(target: Json, patch: Json, path: string): Json {
	if (!isObject(patch)) return structuredClone(patch);
	const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
	for (const [key, value] of Object.entries(patch)) {
		if (key.startsWith('$')) continue;
		const childPath = path === '' ? key : `${path}.${key}`;
		const mergeKey = mergeKeys[childPath];
		if (value === null) delete result[key];
		else if (Array.isArray(value) && mergeKey !== undefined) result[key] = mergeList(result[key], value, mergeKey);
		else result[key] = strategic(result[key], value, childPath);
	}
	return result;
}

/** Strategic merge patch for the lists in {@link mergeKeys}; otherwise a merge patch. */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
	return strategic(target, patch, '');
}

export interface JsonPatchOperation {
	readonly op: string;
	readonly path: string;
	readonly value?: Json;
}

function pointer(path: string): string[] {
	if (path === '') return [];
	if (!path.startsWith('/')) throw new Error(`Cannot use JSON pointer "${path}": it must start with "/"`);
	return path
		.slice(1)
		.split('/')
		.map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(document: Json, parts: readonly string[], path: string): Record<string, Json> | Json[] {
	let current: Json = document;
	for (const part of parts.slice(0, -1)) {
		if (Array.isArray(current)) current = current[Number(part)];
		else if (isObject(current)) current = current[part];
		else current = undefined;
		if (current === undefined) throw new Error(`Cannot apply JSON patch at "${path}": doc is missing path`);
	}
	if (!Array.isArray(current) && !isObject(current)) throw new Error(`Cannot apply JSON patch at "${path}": parent is not a container`);
	return current;
}

/** RFC 6902 JSON patch (add, remove, replace, test). */
export function applyJsonPatch(target: Json, operations: Json): Json {
	if (!Array.isArray(operations)) throw new Error('Cannot apply JSON patch: the patch is not an array');
	let document = structuredClone(target);
	for (const raw of operations) {
		if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
			throw new Error(`Cannot apply JSON patch operation ${JSON.stringify(raw)}: missing op or path`);
		}
		const { op, path } = { op: raw['op'], path: raw['path'] };
		const parts = pointer(path);
		if (parts.length === 0) {
			if (op === 'add' || op === 'replace') document = structuredClone(raw['value']);
			else throw new Error(`Cannot apply JSON patch operation "${op}" to the whole document`);
			continue;
		}
		const parent = parentOf(document, parts, path);
		const last = parts.at(-1) ?? '';
		const exists = Array.isArray(parent) ? Number(last) < parent.length : Object.hasOwn(parent, last);
		switch (op) {
			case 'add':
				if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, structuredClone(raw['value']));
				else parent[last] = structuredClone(raw['value']);
				break;
			case 'remove':
			case 'replace':
				if (!exists) throw new Error(`Cannot apply JSON patch operation "${op}" at "${path}": doc is missing path`);
				if (op === 'remove') {
					if (Array.isArray(parent)) parent.splice(Number(last), 1);
					else delete parent[last];
				} else if (Array.isArray(parent)) parent[Number(last)] = structuredClone(raw['value']);
				else parent[last] = structuredClone(raw['value']);
				break;
			case 'test': {
				const actual = Array.isArray(parent) ? parent[Number(last)] : parent[last];
				if (JSON.stringify(actual) !== JSON.stringify(raw['value'])) throw new Error(`Cannot apply JSON patch: test at "${path}" failed`);
				break;
			}
			default:
				throw new Error(`Cannot apply JSON patch operation "${op}": not supported`);
		}
	}
	return document;
}
