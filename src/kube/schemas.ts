/**
 * @module valibot shapes of the Kubernetes objects the agent reads.
 *
 * Only the fields the agent uses are declared; objects are loose so unknown
 * fields pass through untouched. Every apiserver response is parsed through
 * one of these (never cast), and the types below are inferred from them.
 */
import * as v from 'valibot';

const stringMap = v.record(v.string(), v.string());

export const OwnerReferenceSchema = v.looseObject({
	apiVersion: v.string(),
	kind: v.string(),
	name: v.string(),
	uid: v.optional(v.string()),
	controller: v.optional(v.boolean()),
});

export const ObjectMetaSchema = v.looseObject({
	name: v.optional(v.string(), ''),
	namespace: v.optional(v.string()),
	uid: v.optional(v.string(), ''),
	resourceVersion: v.optional(v.string()),
	generation: v.optional(v.number()),
	creationTimestamp: v.optional(v.nullable(v.string())),
	deletionTimestamp: v.optional(v.nullable(v.string())),
	labels: v.optional(v.nullable(stringMap)),
	annotations: v.optional(v.nullable(stringMap)),
	ownerReferences: v.optional(v.nullable(v.array(OwnerReferenceSchema))),
});

export const TaintSchema = v.looseObject({
	key: v.string(),
	value: v.optional(v.string()),
	effect: v.string(),
	timeAdded: v.optional(v.nullable(v.string())),
});

export const NodeConditionSchema = v.looseObject({
	type: v.string(),
	status: v.string(),
	reason: v.optional(v.string()),
	message: v.optional(v.string()),
	lastTransitionTime: v.optional(v.nullable(v.string())),
	lastHeartbeatTime: v.optional(v.nullable(v.string())),
});

export const NodeSchema = v.looseObject({
	metadata: ObjectMetaSchema,
	spec: v.optional(
		v.looseObject({
			unschedulable: v.optional(v.boolean()),
			taints: v.optional(v.nullable(v.array(TaintSchema))),
			providerID: v.optional(v.string()),
		}),
		{},
	),
	status: v.optional(
		v.looseObject({
			conditions: v.optional(v.nullable(v.array(NodeConditionSchema))),
		}),
		{},
	),
});

export const VolumeSchema = v.looseObject({
	name: v.string(),
	emptyDir: v.optional(v.nullable(v.looseObject({}))),
});

export const PodSchema = v.looseObject({
	metadata: ObjectMetaSchema,
	spec: v.optional(
		v.looseObject({
			nodeName: v.optional(v.string()),
			priority: v.optional(v.number()),
			priorityClassName: v.optional(v.string()),
			terminationGracePeriodSeconds: v.optional(v.number()),
			volumes: v.optional(v.nullable(v.array(VolumeSchema))),
		}),
		{},
	),
	status: v.optional(
		v.looseObject({
			phase: v.optional(v.string()),
		}),
		{},
	),
});

export const LabelSelectorSchema = v.looseObject({
	matchLabels: v.optional(v.nullable(stringMap)),
	matchExpressions: v.optional(
		v.nullable(
			v.array(
				v.looseObject({
					key: v.string(),
					operator: v.string(),
					values: v.optional(v.nullable(v.array(v.string()))),
				}),
			),
		),
	),
});

export const PodDisruptionBudgetSchema = v.looseObject({
	metadata: ObjectMetaSchema,
	spec: v.optional(
		v.looseObject({
			selector: v.optional(v.nullable(LabelSelectorSchema)),
		}),
		{},
	),
	status: v.optional(
		v.looseObject({
			observedGeneration: v.optional(v.number()),
			disruptionsAllowed: v.optional(v.number(), 0),
			currentHealthy: v.optional(v.number()),
			desiredHealthy: v.optional(v.number()),
			expectedPods: v.optional(v.number()),
		}),
		{},
	),
});

/** The `Status` object the apiserver returns with errors. */
export const StatusSchema = v.looseObject({
	kind: v.optional(v.string()),
	status: v.optional(v.string()),
	message: v.optional(v.string()),
	reason: v.optional(v.string()),
	code: v.optional(v.number()),
	details: v.optional(
		v.nullable(
			v.looseObject({
				causes: v.optional(
					v.nullable(
						v.array(v.looseObject({ reason: v.optional(v.string()), message: v.optional(v.string()), field: v.optional(v.string()) })),
					),
				),
			}),
		),
	),
});

/** Any object with metadata: responses whose body the agent does not use (DaemonSet, Event). */
export const AnyObjectSchema = v.looseObject({
	metadata: v.optional(ObjectMetaSchema, {}),
});

/** `metadata` of a list: its resourceVersion (to start a watch from) and the continue token of a paged list. */
export const ListMetaSchema = v.looseObject({
	resourceVersion: v.optional(v.string(), ''),
	continue: v.optional(v.string()),
});

/** The envelope of a list response (`NodeList`, `PodList`…) with items checked by `item`. */
export function listSchema<const TItem extends v.GenericSchema>(item: TItem) {
	return v.looseObject({
		metadata: v.optional(ListMetaSchema, { resourceVersion: '' }),
		items: v.optional(v.nullable(v.array(item)), []),
	});
}

/** One line of a watch stream; `object` is checked separately (by item schema, or as a Status for ERROR). */
export const WatchLineSchema = v.looseObject({
	type: v.picklist(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']),
	object: v.unknown(),
});

export type OwnerReference = v.InferOutput<typeof OwnerReferenceSchema>;
export type ObjectMeta = v.InferOutput<typeof ObjectMetaSchema>;
export type Taint = v.InferOutput<typeof TaintSchema>;
export type NodeCondition = v.InferOutput<typeof NodeConditionSchema>;
export type Node = v.InferOutput<typeof NodeSchema>;
export type Pod = v.InferOutput<typeof PodSchema>;
export type LabelSelector = v.InferOutput<typeof LabelSelectorSchema>;
export type PodDisruptionBudget = v.InferOutput<typeof PodDisruptionBudgetSchema>;
export type Status = v.InferOutput<typeof StatusSchema>;

/** The part of a SelfSubjectAccessReview response the agent reads. */
export const AccessReviewSchema = v.looseObject({
	status: v.optional(v.looseObject({ allowed: v.optional(v.boolean(), false), reason: v.optional(v.string()) }), {}),
});
