/**
 * @module The `Status` objects the apiserver answers errors with (k8s.io/apimachinery's
 * `errors.New*` of Kubernetes v1.36, same reasons, codes and messages): 422 Invalid from
 * validation.ts's field errors, 404, the two 409s, and the eviction's PDB 429.
 *
 * The fake API (test/support/fake-kube-api.ts) answers with them; test/support/kube-api.contract.ts
 * checks them against the real apiserver.
 */
import { type FieldError, goQuote } from './validation.ts';

/** One entry of a Status's `details.causes`. */
export interface StatusCause {
	readonly reason: string;
	readonly message: string;
	readonly field?: string | undefined;
}

/** The `Status` object the apiserver answers errors with. */
export interface KubeStatus {
	readonly kind: 'Status';
	readonly apiVersion: 'v1';
	readonly metadata: Record<string, never>;
	readonly status: 'Failure';
	readonly message: string;
	readonly reason: string;
	readonly details?:
		| {
				readonly name?: string | undefined;
				readonly group?: string | undefined;
				readonly kind?: string | undefined;
				readonly causes?: readonly StatusCause[] | undefined;
		  }
		| undefined;
	readonly code: number;
}

/** A Failure Status, its fields in the apiserver's order. */
function failure(code: number, reason: string, message: string, details: KubeStatus['details']): KubeStatus {
	return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

/** `NewInvalid(qualifiedKind, name, errs)`: 422 Invalid, one cause per field error, the message aggregating them. */
export function invalidStatus(
	qualifiedKind: { readonly kind: string; readonly group?: string | undefined },
	name: string,
	errors: readonly FieldError[],
): KubeStatus {
	const { kind, group = '' } = qualifiedKind;
	const lines = [...new Set(errors.map((error) => `${error.field}: ${error.message}`))];
	const aggregated = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
	return failure(422, 'Invalid', `${group === '' ? kind : `${kind}.${group}`} ${goQuote(name)} is invalid: ${aggregated}`, {
		name,
		...(group === '' ? {} : { group }),
		kind,
		causes: errors.map((error) => ({ reason: error.type, message: error.message, field: error.field })),
	});
}

/** `NewNotFound`: 404 for `resource` (plural, e.g. "nodes"). */
export function notFoundStatus(resource: string, name: string): KubeStatus {
	return failure(404, 'NotFound', `${resource} ${goQuote(name)} not found`, { name, kind: resource });
}

/** `NewConflict` for a stale resourceVersion. */
export function conflictStatus(resource: string, name: string): KubeStatus {
	return failure(
		409,
		'Conflict',
		`Operation cannot be fulfilled on ${resource} ${goQuote(name)}: the object has been modified; please apply your changes to the latest version and try again`,
		{ name, kind: resource },
	);
}

/** `NewAlreadyExists`: 409 AlreadyExists on create. */
export function alreadyExistsStatus(resource: string, name: string): KubeStatus {
	return failure(409, 'AlreadyExists', `${resource} ${goQuote(name)} already exists`, { name, kind: resource });
}

/** The eviction subresource's 429 when a PodDisruptionBudget allows no disruption now. */
export function disruptionBudgetStatus(pdbName: string, desiredHealthy: number, currentHealthy: number): KubeStatus {
	return failure(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
		causes: [
			{
				reason: 'DisruptionBudget',
				message: `The disruption budget ${pdbName} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`,
			},
		],
	});
}
