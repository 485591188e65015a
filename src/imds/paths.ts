/**
 * @module Every IMDS path the agent reads (README's endpoint list and any
 * proxy allow-list must cover all of them).
 */

export const tokenPath = '/latest/api/token';
export const spotInstanceActionPath = '/latest/meta-data/spot/instance-action';
export const scheduledEventsPath = '/latest/meta-data/events/maintenance/scheduled';
export const rebalanceRecommendationPath = '/latest/meta-data/events/recommendations/rebalance';
export const asgTargetLifecycleStatePath = '/latest/meta-data/autoscaling/target-lifecycle-state';
export const identityDocumentPath = '/latest/dynamic/instance-identity/document';
export const instanceIdPath = '/latest/meta-data/instance-id';
export const instanceLifeCyclePath = '/latest/meta-data/instance-life-cycle';
export const instanceTypePath = '/latest/meta-data/instance-type';
export const publicHostnamePath = '/latest/meta-data/public-hostname';
export const publicIpv4Path = '/latest/meta-data/public-ipv4';
export const localHostnamePath = '/latest/meta-data/local-hostname';
export const localIpv4Path = '/latest/meta-data/local-ipv4';
export const availabilityZonePath = '/latest/meta-data/placement/availability-zone';
