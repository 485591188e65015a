// Property-based test of the incident state machine (issue 10): random sequences of
// rebalance / spot ITN (terminate, stop, hibernate) / scheduled (restart and other
// codes) / cancellation / ASG events, polls, time passing, drain outcomes, graceful
// restarts and SIGKILLs (an agent dropped mid-step; the next one restores from the
// record on the Node exactly as agent.ts does), against the real node actions on a
// fake apiserver that refuses what the real one refuses.
//
// Runs a few thousand cases; NTH_PROPERTY_RUNS=100000 for the long run. A failure
// prints the seed and the shrunk step list: replay with NTH_PROPERTY_SEED=<seed>.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config/load.ts';
import { FakeKubeApi } from '../../test/support/fake-kube-api.ts';
import type { Node } from '../kube/schemas.ts';
import { silentLogger } from '../log/logger.ts';
import { noopMetrics } from '../metrics/types.ts';
import type { Cancellation, InterruptionEvent } from '../monitors/types.ts';
import { rebootCheckOutcome } from '../node/reboot.ts';
import { fnv1a64Hex, nodeValueProblems } from '../node/values.ts';
import { noopRecorder } from '../notify/types.ts';
import { createNodeRuntime } from '../runtime/node.ts';
import { IncidentHandler } from './handler.ts';
import { restartCodes } from './incident.ts';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { createIncidentPorts } from './ports.ts';
import { restorePlan } from './restore.ts';
import { type IncidentState, incidentAnnotation, readIncidentState } from './state.ts';
import { EventStore, eventRetentionMs } from './store.ts';
import type { DrainOutcome, IncidentPorts } from './types.ts';

const env = createNodeRuntime().env();
const runs = propertyRuns(2_000);
const seed = env['NTH_PROPERTY_SEED'] === undefined ? undefined : Number(env['NTH_PROPERTY_SEED']);
/** A counterexample to replay with a trace (`NTH_PROPERTY_REPLAY='[false,[{"t":"asg"}]]'`). */
const replay = env['NTH_PROPERTY_REPLAY'];

const nodeName = 'ip-10-0-0-1.ec2.internal';
const t0 = Date.parse('2026-03-01T00:00:00Z');
const graceSeconds = 120;
const codes = [...restartCodes, 'instance-terminate', 'system-maintenance'];

type Step =
	| { readonly t: 'rebalance' }
	| { readonly t: 'itn'; readonly action: 'terminate' | 'stop' | 'hibernate'; readonly aemm: boolean; readonly inMs: number }
	| { readonly t: 'scheduled'; readonly code: string; readonly inMs: number }
	| { readonly t: 'cancel' }
	| { readonly t: 'asg' }
	| { readonly t: 'poll' }
	| { readonly t: 'wait'; readonly ms: number }
	| { readonly t: 'drain'; readonly ok: boolean }
	| { readonly t: 'restart' }
	| { readonly t: 'kill'; readonly afterTurns: number };

const step: fc.Arbitrary<Step> = fc.oneof(
	{ arbitrary: fc.constant<Step>({ t: 'rebalance' }), weight: 1 },
	{
		arbitrary: fc.record({
			t: fc.constant('itn' as const),
			action: fc.constantFrom('terminate' as const, 'stop' as const, 'hibernate' as const),
			aemm: fc.boolean(),
			inMs: fc.integer({ min: 0, max: 300_000 }),
		}),
		weight: 2,
	},
	{
		arbitrary: fc.record({
			t: fc.constant('scheduled' as const),
			code: fc.constantFrom(...codes),
			inMs: fc.integer({ min: 0, max: 900_000 }),
		}),
		weight: 2,
	},
	{ arbitrary: fc.constant<Step>({ t: 'cancel' }), weight: 1 },
	{ arbitrary: fc.constant<Step>({ t: 'asg' }), weight: 1 },
	{ arbitrary: fc.constant<Step>({ t: 'poll' }), weight: 2 },
	{ arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3 * 3_600_000 }) }), weight: 2 },
	{ arbitrary: fc.record({ t: fc.constant('drain' as const), ok: fc.boolean() }), weight: 3 },
	{ arbitrary: fc.constant<Step>({ t: 'restart' }), weight: 1 },
	{ arbitrary: fc.record({ t: fc.constant('kill' as const), afterTurns: fc.integer({ min: 0, max: 30 }) }), weight: 1 },
);

/** 64 hex digits, deterministic (the ids' shape: sha256 hex in NTH). */
function hex64(text: string): string {
	return [0, 1, 2, 3].map((i) => fnv1a64Hex(`${i}:${text}`)).join('');
}

interface Message {
	readonly incident: string;
	readonly outcome: string;
}

interface Agent {
	readonly handler: IncidentHandler;
	readonly controller: AbortController;
	alive: boolean;
	readonly startedAt: number;
}

/** IMDS as the monitors would report it. */
interface Imds {
	spot: { action: 'terminate' | 'stop' | 'hibernate'; time: number; aemm: boolean } | undefined;
	rebalance: number | undefined;
	scheduled: { id: string; code: string; notBefore: number; canceled: boolean }[];
	asg: boolean;
	polls: number;
}

function turns(n: number): Promise<void> {
	let chain = Promise.resolve();
	for (let i = 0; i < n; i += 1) chain = chain.then(() => undefined);
	return chain;
}

class World {
	now = t0;
	readonly kube = new FakeKubeApi();
	readonly violations: string[] = [];
	readonly messages: Message[] = [];
	readonly drains: { finish: (outcome: DrainOutcome) => void; agent: Agent }[] = [];
	readonly imds: Imds = { spot: undefined, rebalance: undefined, scheduled: [], asg: false, polls: 0 };
	readonly adminCordoned: boolean;
	/** Every record written, in order (for the deadline and one-incident rules). */
	readonly records: IncidentState[] = [];
	readonly pods: string[] = ['app/a', 'app/b', 'app/c'];
	agent: Agent | undefined;
	/** Index in {@link records} when a drain-type notice (spot, active scheduled, ASG) was first live. */
	drainTypeSince: number | undefined;
	#restarts = 0;
	readonly config = loadConfig({
		env: { TAINT_NODE: 'true', ENABLE_OUT_OF_SERVICE_TAINT: 'true', EXCLUDE_FROM_LOAD_BALANCERS: 'true', WEBHOOK_PER_INCIDENT: 'true' },
		flags: {},
	}).config;

	constructor(adminCordoned: boolean) {
		this.adminCordoned = adminCordoned;
		this.kube.addNode({
			metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } },
			spec: { unschedulable: adminCordoned },
		});
		const patch = this.kube.patchNode.bind(this.kube);
		this.kube.patchNode = async (name, body, signal) => {
			try {
				const node = await patch(name, body, signal);
				this.#observe(node);
				return node;
			} catch (error) {
				if (error instanceof Error && /\b422\b|invalid/i.test(`${error.message} ${'status' in error ? String(error.status) : ''}`))
					this.violations.push(`refused write: ${error.message}`);
				throw error;
			}
		};
	}

	#observe(node: Node): void {
		for (const problem of nodeValueProblems({
			labels: node.metadata.labels,
			annotations: node.metadata.annotations,
			taints: node.spec.taints,
		}))
			this.violations.push(problem);
		const record = readIncidentState(node).state;
		const last = this.records.at(-1);
		if (record && (last === undefined || JSON.stringify(last) !== JSON.stringify(record))) this.records.push(record);
	}

	get node(): Node {
		const node = this.kube.node(nodeName);
		if (!node) throw new Error('the node is gone');
		return node;
	}

	/** The live events and cancellations, as the four monitors of one agent report them. */
	poll(agent: Agent): { events: InterruptionEvent[]; cancellations: Cancellation[] } {
		this.imds.polls += 1;
		const events: InterruptionEvent[] = [];
		const spot = this.imds.spot;
		if (spot) {
			const key = spot.aemm ? `${spot.time}:${this.imds.polls}` : String(spot.time);
			events.push({
				eventId: `spot-itn-${hex64(`&{${spot.action} ${key}}`)}`,
				kind: 'SPOT_ITN',
				monitor: 'SPOT_ITN_MONITOR',
				description: 'Spot ITN received.',
				state: '',
				startTime: new Date(spot.time),
				endTime: undefined,
				deadline: new Date(spot.time),
				spotAction: spot.action,
			});
		}
		if (this.imds.rebalance !== undefined) {
			events.push({
				eventId: `rebalance-recommendation-${hex64(`&{${this.imds.rebalance}}`)}`,
				kind: 'REBALANCE_RECOMMENDATION',
				monitor: 'REBALANCE_RECOMMENDATION_MONITOR',
				description: 'Rebalance recommendation received.',
				state: '',
				startTime: new Date(this.imds.rebalance),
				endTime: undefined,
				deadline: undefined,
			});
		}
		const cancellations: Cancellation[] = [];
		for (const s of this.imds.scheduled) {
			if (s.canceled) cancellations.push({ eventId: s.id, kind: 'SCHEDULED_EVENT', state: 'canceled' });
			else
				events.push({
					eventId: s.id,
					kind: 'SCHEDULED_EVENT',
					monitor: 'SCHEDULED_EVENT_MONITOR',
					description: `${s.code} will occur`,
					state: 'active',
					startTime: new Date(s.notBefore),
					endTime: new Date(s.notBefore + 3_600_000),
					deadline: new Date(s.notBefore),
					scheduledCode: s.code,
				});
		}
		if (this.imds.asg) {
			// The monitor's id comes from the first poll that sees Terminated in this agent.
			events.push({
				eventId: `target-lifecycle-state-terminated-${hex64(`Terminated:${agent.startedAt}`)}`,
				kind: 'ASG_LIFECYCLE',
				monitor: 'ASG_LIFECYCLE_MONITOR',
				description: 'AST target lifecycle state received.',
				state: '',
				startTime: new Date(agent.startedAt),
				endTime: undefined,
				deadline: undefined,
			});
		}
		return { events, cancellations };
	}

	#ports(agent: () => Agent | undefined): IncidentPorts {
		const log = silentLogger();
		const metrics = noopMetrics();
		const real = createIncidentPorts({
			config: this.config,
			kube: this.kube,
			nodeDeps: { kube: this.kube, log, metrics, dryRun: false, now: () => new Date(this.now) },
			nodeName,
			recorder: noopRecorder(),
			notifier: { enabled: false, send: async () => {}, flush: async () => {} },
			log,
			metrics,
			providerId: undefined,
			now: () => this.now,
		});
		// A killed agent does nothing more: each of its calls hangs forever.
		const guard =
			<A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
			(...args: A): Promise<R> =>
				agent()?.alive === true ? call(...args) : new Promise<R>(() => {});
		return {
			...real,
			readNode: guard(real.readNode),
			preDrain: guard(real.preDrain),
			cordon: guard(real.cordon),
			afterDrain: guard(real.afterDrain),
			release: guard(real.release),
			persist: guard(real.persist),
			listPods: guard(async () => [...this.pods]),
			drain: guard(
				(_deadlineMs: number, signal: AbortSignal) =>
					new Promise<DrainOutcome>((resolve, reject) => {
						const owner = agent();
						if (!owner) return;
						this.drains.push({ finish: resolve, agent: owner });
						signal.addEventListener('abort', () => reject(new Error('drain aborted')), { once: true });
					}),
			),
			notify: guard(async (request) => {
				const incident = agent()?.handler.state?.id ?? '(none)';
				this.messages.push({ incident, outcome: request.outcome ?? 'start' });
			}),
		};
	}

	/** Starts an agent the way agent.ts does: reboot check, record, restore plan. */
	async start(): Promise<void> {
		this.#restarts += 1;
		const store = new EventStore({ nodeTerminationGracePeriodSeconds: graceSeconds, now: () => this.now });
		let current: Agent | undefined;
		const ports = this.#ports(() => current);
		const handler = new IncidentHandler(
			{
				nodeName,
				dryRun: false,
				cordonOnly: false,
				enableRebalanceDraining: false,
				nodeTerminationGracePeriodSeconds: graceSeconds,
				drainSafetyMarginSeconds: 10,
				webhookPerIncident: true,
				excludeFromLoadBalancers: true,
				enableOutOfServiceTaint: true,
				retryInitialMs: 1_000,
				retryMaxMs: 8_000,
			},
			ports,
			store,
		);
		current = { handler, controller: new AbortController(), alive: true, startedAt: this.now + this.#restarts };
		const log = silentLogger();
		// The machine never reboots here (uptime far longer than any label's age).
		const reboot = await rebootCheckOutcome(
			{
				kube: this.kube,
				log,
				metrics: noopMetrics(),
				dryRun: false,
				now: () => new Date(this.now),
				readTextFile: async () => '99999999.00 1.00',
			},
			{ nodeName },
			current.controller.signal,
		);
		const plan = restorePlan({
			record: readIncidentState(this.node).state,
			reboot: { labelValue: reboot.eventId, rebooted: reboot.rebooted },
			nowMs: this.now,
			absorbWindowMs: eventRetentionMs,
		});
		for (const id of plan.ignore) store.ignore(id);
		if (plan.resume) handler.resume(plan.resume);
		this.agent = current;
	}

	stop(): void {
		const agent = this.agent;
		if (!agent) return;
		agent.controller.abort(new Error('stopping'));
		agent.alive = false;
		this.agent = undefined;
	}

	async settle(): Promise<void> {
		const agent = this.agent;
		if (!agent) return;
		const { events, cancellations } = this.poll(agent);
		agent.handler.addEvents(events);
		agent.handler.addCancellations(cancellations);
		for (let i = 0; i < 6 && agent.alive; i += 1) {
			await agent.handler.tick(agent.controller.signal);
			await turns(3);
		}
	}
}

async function apply(world: World, s: Step): Promise<void> {
	switch (s.t) {
		case 'rebalance':
			world.imds.rebalance ??= world.now;
			break;
		case 'itn':
			world.imds.spot ??= { action: s.action, time: world.now + s.inMs, aemm: s.aemm };
			break;
		case 'scheduled':
			world.imds.scheduled.push({
				id: `instance-event-0${fnv1a64Hex(`${world.now}:${world.imds.scheduled.length}`)}`,
				code: s.code,
				notBefore: world.now + s.inMs,
				canceled: false,
			});
			break;
		case 'cancel': {
			const active = world.imds.scheduled.filter((e) => !e.canceled).at(-1);
			if (active) active.canceled = true;
			break;
		}
		case 'asg':
			world.imds.asg = true;
			break;
		case 'poll':
			break;
		case 'wait':
			world.now += s.ms;
			break;
		case 'drain': {
			const index = world.drains.findIndex((d) => d.agent === world.agent);
			const drain = index < 0 ? undefined : world.drains.splice(index, 1)[0];
			drain?.finish(
				s.ok
					? { ok: true, evicted: world.pods.length, total: world.pods.length, remaining: [] }
					: { ok: false, evicted: 0, total: world.pods.length, remaining: ['app/a'], error: 'blocked by a PDB' },
			);
			break;
		}
		case 'restart':
			world.stop();
			await world.start();
			break;
		case 'kill': {
			const agent = world.agent;
			if (agent) {
				const { events, cancellations } = world.poll(agent);
				agent.handler.addEvents(events);
				agent.handler.addCancellations(cancellations);
				// The killed agent's step never finishes (its calls hang); what it did before the kill stays on the Node.
				void agent.handler.tick(agent.controller.signal).catch(() => undefined);
				await turns(s.afterTurns);
				agent.alive = false;
				world.agent = undefined;
			}
			await world.start();
			break;
		}
	}
	const live = world.imds.spot !== undefined || world.imds.asg || world.imds.scheduled.some((e) => !e.canceled);
	world.drainTypeSince = live ? (world.drainTypeSince ?? world.records.length) : undefined;
	if (!world.agent) await world.start();
	await world.settle();
}

function checkInvariants(world: World, where: string): void {
	assert.equal(world.violations, [], `${where}: every value written to the Node is valid`);
	if (world.adminCordoned) assert.ok(world.node.spec.unschedulable === true, `${where}: an admin's cordon is never undone`);
	const byIncident = new Map<string, string[]>();
	for (const message of world.messages) byIncident.set(message.incident, [...(byIncident.get(message.incident) ?? []), message.outcome]);
	for (const [incident, outcomes] of byIncident) {
		assert.ok(outcomes.filter((o) => o === 'start').length <= 1, `${where}: one start message for ${incident}: ${outcomes.join(',')}`);
		assert.ok(
			outcomes.filter((o) => o !== 'start' && o !== 'cancelled').length <= 1,
			`${where}: one outcome for ${incident}: ${outcomes.join(',')}`,
		);
		assert.ok(
			outcomes.filter((o) => o === 'cancelled').length <= 1,
			`${where}: one release message for ${incident}: ${outcomes.join(',')}`,
		);
	}
	for (let i = 1; i < world.records.length; i += 1) {
		const before = world.records[i - 1];
		const after = world.records[i];
		if (!before || !after) continue;
		if (before.id === after.id) {
			assert.ok(
				Date.parse(after.deadline) <= Date.parse(before.deadline),
				`${where}: the deadline of ${after.id} only moves earlier (${before.deadline} -> ${after.deadline})`,
			);
		} else {
			// One incident per node: a new one only after the last was released, or drained long enough ago to be over.
			const over =
				before.phase === 'Cancelled' ||
				(before.phase === 'Drained' && Date.parse(after.noticedAt) - Date.parse(before.updatedAt) >= eventRetentionMs);
			assert.ok(over, `${where}: a new incident ${after.id} while ${before.id} was ${before.phase}`);
		}
	}
}

async function scenario(adminCordoned: boolean, steps: readonly Step[]): Promise<void> {
	const world = new World(adminCordoned);
	await world.start();
	for (const [index, s] of steps.entries()) {
		await apply(world, s);
		if (replay !== undefined)
			console.log(
				index,
				JSON.stringify(s),
				JSON.stringify({
					unschedulable: world.node.spec.unschedulable,
					records: world.records.map((r) => `${r.id.slice(0, 24)}:${r.phase}:${r.eventIds.length}`),
					messages: world.messages,
				}),
			);
		checkInvariants(world, `after step ${index} (${JSON.stringify(s)})`);
	}
	// Never miss: with drains that succeed and time passing, a live drain-type event ends cordoned and drained.
	for (let i = 0; i < 40; i += 1) {
		world.now += 90_000;
		await world.settle();
		for (const drain of world.drains.splice(0))
			drain.finish({ ok: true, evicted: world.pods.length, total: world.pods.length, remaining: [] });
		await world.settle();
	}
	checkInvariants(world, 'at the end');
	if (world.drainTypeSince !== undefined) {
		const record = readIncidentState(world.node).state;
		assert.ok(world.node.spec.unschedulable === true, `never-miss: cordoned (record ${record?.phase})`);
		// Drained when the drain-type notice came (a drained node absorbs it) or after it (a later incident may have
		// replaced the record: a rebalance two hours on).
		assert.ok(
			world.records.slice(Math.max(0, world.drainTypeSince - 1)).some((r) => r.phase === 'Drained'),
			`never-miss: drained (records ${world.records.map((r) => r.phase).join(',')})`,
		);
	}
	world.stop();
}

const machine = suite('incident state machine (property-based)');

if (replay !== undefined) {
	machine('replay', async () => {
		const [adminCordoned, steps]: [boolean, Step[]] = JSON.parse(replay);
		await scenario(adminCordoned, steps);
	});
}

machine(`holds its invariants over ${runs} random event sequences with restarts and SIGKILLs`, async () => {
	await fc.assert(
		fc.asyncProperty(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 25 }), async (adminCordoned, steps) => {
			await scenario(adminCordoned, steps);
		}),
		{ numRuns: runs, ...(seed === undefined ? {} : { seed }), verbose: 1 },
	);
});

machine('example: a spot ITN absorbed by a drained scheduled incident survives the cancellation of the scheduled event', async () => {
	await scenario(false, [
		{ t: 'scheduled', code: 'system-maintenance', inMs: 0 },
		{ t: 'drain', ok: true },
		{ t: 'itn', action: 'terminate', aemm: false, inMs: 120_000 },
		{ t: 'cancel' },
	]);
});

machine(
	'example: spot and a restart-type scheduled event, the scheduled one cancelled, then SIGKILL: the spot is still drained',
	async () => {
		await scenario(false, [
			{ t: 'scheduled', code: 'instance-stop', inMs: 0 },
			{ t: 'itn', action: 'hibernate', aemm: false, inMs: 0 },
			{ t: 'cancel' },
			{ t: 'kill', afterTurns: 0 },
		]);
	},
);

machine('the record annotation key is what the apiserver accepts', () => {
	assert.equal(nodeValueProblems({ annotations: { [incidentAnnotation]: '{}' } }), []);
});

machine.run();
