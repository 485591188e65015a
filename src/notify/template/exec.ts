/**
 * @module The executor, ported from Go's text/template/exec.go: pipelines, variables, field
 * chains, function and method calls with Go's argument typing, range/if/with/template, and
 * Go's execution error messages (`template: NAME:LINE:COL: executing "NAME" at <NODE>: …`).
 */
import { sprint } from './format.ts';
import { quote } from './quote.ts';
import type { ExecContext, GoFunc, ParamType } from './funcs/go-func.ts';
import type {
	AnyNode,
	ArgNode,
	BranchNode,
	ChainNode,
	CommandNode,
	FieldNode,
	IdentifierNode,
	Node,
	NumberNode,
	PipeNode,
	TemplateNode,
	Tree,
	VariableNode,
} from './nodes.ts';
import { nodeString } from './nodes.ts';
import { TemplateError } from './template-error.ts';
import { methodOf } from './funcs/methods.ts';
import { byteLength, GoInt, isStruct, isTime, isTrue, sortedEntries, staticTypeName, toGoTime, typeName } from './values.ts';

/** Go's missingVal: "no final argument" in a pipeline. */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
type Signal = typeof NORMAL | typeof BREAK | typeof CONTINUE;

/** Go's limit; JavaScript's stack usually runs out first, which reports the same error. */
const maxDepth = 100000;

/** Everything an execution needs besides the data. */
export interface Program {
	readonly text: string;
	readonly parseName: string;
	readonly trees: ReadonlyMap<string, Tree>;
	readonly funcs: ReadonlyMap<string, GoFunc>;
	readonly builtins: ReadonlySet<string>;
}

class ExecFailure {
	readonly message: string;
	readonly node: AnyNode | undefined;
	/** The template executing when it failed. */
	readonly name: string;
	constructor(message: string, node: AnyNode | undefined, name: string) {
		this.message = message;
		this.node = node;
		this.name = name;
	}
}

interface Variable {
	readonly name: string;
	value: unknown;
}

const paramNames: Readonly<Record<string, string>> = { any: 'interface {}', value: 'reflect.Value' };
const displayType = (type: ParamType): string => paramNames[type] ?? type;
const canBeNil = (type: ParamType): boolean => type === 'any' || type === 'value' || type.startsWith('map[') || type.startsWith('[]');
const intParams: ReadonlySet<string> = new Set(['int', 'int64', 'time.Duration']);

class State {
	readonly program: Program;
	readonly context: ExecContext;
	name: string;
	node: AnyNode | undefined;
	vars: Variable[];
	depth = 0;
	out = '';

	constructor(program: Program, context: ExecContext, name: string, data: unknown) {
		this.program = program;
		this.context = context;
		this.name = name;
		this.vars = [{ name: '$', value: data }];
	}

	at(node: AnyNode): void {
		this.node = node;
	}

	errorf(message: string): never {
		throw new ExecFailure(message, this.node, this.name);
	}

	varValue(name: string): unknown {
		for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
		this.errorf(`undefined variable: ${name}`);
	}

	setVar(name: string, value: unknown): void {
		for (let i = this.vars.length - 1; i >= 0; i--) {
			if (this.vars[i]!.name === name) {
				this.vars[i]!.value = value;
				return;
			}
		}
		this.errorf(`undefined variable: ${name}`);
	}

	walk(dot: unknown, node: Node): Signal {
		this.at(node);
		switch (node.kind) {
			case 'action': {
				const value = this.evalPipeline(dot, node.pipe);
				if (node.pipe.decl.length === 0) this.printValue(node, value);
				return NORMAL;
			}
			case 'break':
				return BREAK;
			case 'continue':
				return CONTINUE;
			case 'comment':
				return NORMAL;
			case 'if':
			case 'with':
				return this.walkIfOrWith(dot, node);
			case 'list':
				for (const child of node.nodes) {
					const signal = this.walk(dot, child);
					if (signal !== NORMAL) return signal;
				}
				return NORMAL;
			case 'range':
				return this.walkRange(dot, node);
			case 'template':
				return this.walkTemplate(dot, node);
			case 'text':
				this.out += node.text;
				return NORMAL;
			default:
				this.errorf(`unknown node: ${nodeString(node)}`);
		}
	}

	walkIfOrWith(dot: unknown, node: BranchNode): Signal {
		const mark = this.vars.length;
		try {
			const value = this.evalPipeline(dot, node.pipe);
			if (isTrue(value)) return this.walk(node.kind === 'with' ? value : dot, node.list);
			if (node.elseList) return this.walk(dot, node.elseList);
			return NORMAL;
		} finally {
			this.vars.length = mark;
		}
	}

	walkRange(dot: unknown, node: BranchNode): Signal {
		this.at(node);
		const outer = this.vars.length;
		try {
			const value = this.evalPipeline(dot, node.pipe);
			const mark = this.vars.length;
			const { decl, isAssign } = node.pipe;
			const one = (index: unknown, elem: unknown): Signal => {
				if (decl.length > 0) {
					if (isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
					else this.vars[this.vars.length - 1]!.value = elem;
				}
				if (decl.length > 1) {
					if (isAssign) this.setVar(decl[1]!.ident[0]!, elem);
					else this.vars[this.vars.length - 2]!.value = index;
				}
				try {
					return this.walk(elem, node.list);
				} finally {
					this.vars.length = mark;
				}
			};
			let ran = false;
			if (value instanceof GoInt && value.type !== 'time.Duration') {
				if (decl.length > 1) this.errorf(`can't use ${sprint([value])} to iterate over more than one variable`);
				for (let i = 0; i < value.value; i++) {
					ran = true;
					if (one(undefined, new GoInt(i, value.type)) === BREAK) break;
				}
			} else if (Array.isArray(value)) {
				for (let i = 0; i < value.length; i++) {
					ran = true;
					if (one(new GoInt(i, 'int'), value[i]) === BREAK) break;
				}
			} else if (value instanceof Map) {
				for (const [key, item] of sortedEntries(value)) {
					ran = true;
					if (one(key, item) === BREAK) break;
				}
			} else if (value !== undefined) this.errorf(`range can't iterate over ${sprint([value])}`);
			if (!ran && node.elseList) return this.walk(dot, node.elseList);
			return NORMAL;
		} finally {
			this.vars.length = outer;
		}
	}

	walkTemplate(dot: unknown, node: TemplateNode): Signal {
		this.at(node);
		const tree = this.program.trees.get(node.name);
		if (tree === undefined) this.errorf(`template ${quote(node.name)} not defined`);
		if (this.depth === maxDepth) this.errorf(`exceeded maximum template depth (${maxDepth})`);
		const value = this.evalPipeline(dot, node.pipe);
		const { name, vars, depth } = this;
		this.name = tree.name;
		this.vars = [{ name: '$', value }];
		this.depth++;
		try {
			this.walk(value, tree.root);
		} catch (error) {
			if (!(error instanceof RangeError)) throw error;
			// The JavaScript stack overflowed: runaway recursion, which Go stops at maxDepth.
			this.name = name;
			this.at(node);
			this.errorf(`exceeded maximum template depth (${maxDepth})`);
		} finally {
			this.name = name;
			this.vars = vars;
			this.depth = depth;
		}
		return NORMAL;
	}

	evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
		if (pipe === undefined) return undefined;
		this.at(pipe);
		let value: unknown = MISSING;
		for (const cmd of pipe.cmds) {
			value = this.evalCommand(dot, cmd, value);
			// A nil interface{} result is no value at all (Go digs into the interface).
			if (value === null) value = undefined;
		}
		for (const variable of pipe.decl) {
			if (pipe.isAssign) this.setVar(variable.ident[0]!, value);
			else this.vars.push({ name: variable.ident[0]!, value });
		}
		return value;
	}

	notAFunction(args: readonly ArgNode[] | undefined, final: Final): void {
		if ((args !== undefined && args.length > 1) || final !== MISSING)
			this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
	}

	evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
		const first = cmd.args[0]!;
		switch (first.kind) {
			case 'field':
				return this.evalFieldNode(dot, first, cmd.args, final);
			case 'chain':
				return this.evalChainNode(dot, first, cmd.args, final);
			case 'identifier':
				return this.evalFunction(dot, first, cmd, cmd.args, final);
			case 'pipe':
				this.notAFunction(cmd.args, final);
				return this.evalPipeline(dot, first);
			case 'variable':
				return this.evalVariableNode(dot, first, cmd.args, final);
			default:
		}
		this.at(first);
		this.notAFunction(cmd.args, final);
		switch (first.kind) {
			case 'bool':
				return first.value;
			case 'dot':
				return dot;
			case 'nil':
				this.errorf('nil is not a command');
			case 'number':
				return this.idealConstant(first);
			case 'string':
				return first.text;
		}
	}

	idealConstant(constant: NumberNode): unknown {
		this.at(constant);
		const isHexInt = /^0[xX]/.test(constant.text) && !/[pP]/.test(constant.text);
		if (constant.isFloat && !isHexInt && constant.text[0] !== "'" && /[.eEpP]/.test(constant.text)) return constant.float;
		if (constant.isInt) return new GoInt(constant.int, 'int', constant.big);
		if (constant.isUint) this.errorf(`${constant.text} overflows int`);
		return undefined;
	}

	evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
		this.at(field);
		return this.evalFieldChain(dot, dot, field, field.ident, args, final);
	}

	evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
		this.at(chain);
		if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
		const value = this.evalArg(dot, 'value', chain.node);
		return this.evalFieldChain(dot, value, chain, chain.field, args, final);
	}

	evalVariableNode(dot: unknown, variable: VariableNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
		this.at(variable);
		const value = this.varValue(variable.ident[0]!);
		if (variable.ident.length === 1) {
			this.notAFunction(args, final);
			return value;
		}
		return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
	}

	evalFieldChain(
		dot: unknown,
		receiver: unknown,
		node: AnyNode,
		ident: readonly string[],
		args: readonly ArgNode[] | undefined,
		final: Final,
	): unknown {
		const n = ident.length;
		// Go reports the static type: a value read from a map[string]interface {} is an "interface {}".
		let fromInterface = false;
		for (let i = 0; i < n - 1; i++) {
			const next = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver, fromInterface);
			fromInterface = receiver instanceof Map && typeName(receiver) === 'map[string]interface {}';
			receiver = next;
		}
		return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, fromInterface);
	}

	evalField(
		dot: unknown,
		name: string,
		node: AnyNode,
		args: readonly ArgNode[] | undefined,
		final: Final,
		receiver: unknown,
		fromInterface = false,
	): unknown {
		if (receiver === undefined) return undefined;
		if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
		const method = methodOf(receiver, name);
		if (method !== undefined) return this.evalCall(dot, method, false, node, name, args, final, receiver);
		const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
		if (receiver instanceof Map) {
			if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
			return receiver.get(name);
		}
		if (isStruct(receiver) && Object.hasOwn(receiver, name)) {
			if (/^\p{Ll}/u.test(name) || name[0] === '_') this.errorf(`${name} is an unexported field of struct type ${typeName(receiver)}`);
			if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
			return receiver[name] ?? null;
		}
		this.errorf(`can't evaluate field ${name} in type ${fromInterface ? 'interface {}' : typeName(receiver)}`);
	}

	evalFunction(dot: unknown, node: IdentifierNode, cmd: AnyNode, args: readonly ArgNode[] | undefined, final: Final): unknown {
		this.at(node);
		const fn = this.program.funcs.get(node.ident);
		if (fn === undefined) this.errorf(`${quote(node.ident)} is not a defined function`);
		return this.evalCall(dot, fn, this.program.builtins.has(node.ident), cmd, node.ident, args, final);
	}

	evalCall(
		dot: unknown,
		fn: GoFunc,
		isBuiltin: boolean,
		node: AnyNode,
		name: string,
		allArgs: readonly ArgNode[] | undefined,
		final: Final,
		receiver?: unknown,
	): unknown {
		const args = allArgs === undefined ? [] : allArgs.slice(1);
		const numIn = args.length + (final === MISSING ? 0 : 1);
		let numFixed = args.length;
		if (fn.variadic !== undefined) {
			numFixed = fn.params.length;
			if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length} got ${args.length}`);
		} else if (numIn !== fn.params.length) this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
		if (isBuiltin && (name === 'and' || name === 'or')) {
			let value: unknown;
			for (const arg of args) {
				value = this.evalArg(dot, 'value', arg);
				if (isTrue(value) === (name === 'or')) return value;
			}
			if (final !== MISSING) value = this.validateType(final, 'value');
			return value;
		}
		const types: ParamType[] = [];
		const argv: unknown[] = [];
		let i = 0;
		for (; i < numFixed && i < args.length; i++) {
			types.push(fn.params[i]!);
			argv.push(this.evalArg(dot, fn.params[i]!, args[i]!));
		}
		if (fn.variadic !== undefined) {
			for (; i < args.length; i++) {
				types.push(fn.variadic);
				argv.push(this.evalArg(dot, fn.variadic, args[i]!));
			}
		}
		if (final !== MISSING) {
			let type = fn.params[fn.params.length - 1] ?? 'any';
			if (fn.variadic !== undefined) type = numIn - 1 < numFixed ? fn.params[numIn - 1]! : fn.variadic;
			types.push(type);
			argv.push(this.validateType(final, type));
		}
		const callArgs: unknown[] = argv.map((value, index) => toCallArg(value, types[index]!));
		if (receiver !== undefined) callArgs.unshift(receiver);
		if (fn.context) callArgs.unshift(this.context);
		if (isBuiltin && name === 'call') callArgs.unshift(args.length === 0 ? sprint([final]) : nodeString(args[0]!));
		try {
			return (fn.fn as (...values: unknown[]) => unknown)(...callArgs);
		} catch (error) {
			// Go's safeCall turns an error result and a panic alike into "error calling NAME".
			this.at(node);
			this.errorf(`error calling ${name}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	validateType(value: unknown, type: ParamType): unknown {
		if (type === 'value') return value;
		if (value === undefined) {
			if (type === 'any') return null;
			if (type.startsWith('map[')) return new Map();
			if (type.startsWith('[]')) return [];
			this.errorf(`invalid value; expected ${displayType(type)}`);
		}
		if (type === 'any') return value;
		const actual = staticTypeName(value);
		if (actual !== type) this.errorf(`wrong type for value; expected ${displayType(type)}; got ${actual}`);
		return value;
	}

	evalArg(dot: unknown, type: ParamType, node: ArgNode): unknown {
		this.at(node);
		switch (node.kind) {
			case 'dot':
				return this.validateType(dot, type);
			case 'nil':
				if (canBeNil(type)) return type === 'value' ? undefined : type === 'any' ? null : type.startsWith('map[') ? new Map() : [];
				this.errorf(`cannot assign nil to ${displayType(type)}`);
			case 'field':
				return this.validateType(this.evalFieldNode(dot, node, [node], MISSING), type);
			case 'variable':
				return this.validateType(this.evalVariableNode(dot, node, undefined, MISSING), type);
			case 'pipe':
				return this.validateType(this.evalPipeline(dot, node), type);
			case 'identifier':
				return this.validateType(this.evalFunction(dot, node, node, undefined, MISSING), type);
			case 'chain':
				return this.validateType(this.evalChainNode(dot, node, undefined, MISSING), type);
			default:
		}
		switch (type) {
			case 'bool':
				if (node.kind === 'bool') return node.value;
				this.errorf(`expected bool; found ${nodeString(node)}`);
			case 'float64':
				if (node.kind === 'number' && node.isFloat) return node.float;
				this.errorf(`expected float; found ${nodeString(node)}`);
			case 'int':
			case 'int64':
			case 'time.Duration':
				if (node.kind === 'number' && node.isInt) return new GoInt(node.int, type, node.big);
				this.errorf(`expected integer; found ${nodeString(node)}`);
			case 'any':
			case 'value':
				if (node.kind === 'bool') return node.value;
				if (node.kind === 'number') return this.idealConstant(node);
				if (node.kind === 'string') return node.text;
				break;
			case 'string':
				if (node.kind === 'string') return node.text;
				this.errorf(`expected string; found ${nodeString(node)}`);
			default:
		}
		this.errorf(`can't handle ${nodeString(node)} for arg of type ${displayType(type)}`);
	}

	printValue(node: AnyNode, value: unknown): void {
		this.at(node);
		if (typeof value === 'string') this.out += value;
		else if (value === undefined) this.out += '<no value>';
		else if (typeof value === 'function') this.errorf(`can't print ${nodeString(node)} of type ${typeName(value)}`);
		else this.out += sprint([value]);
	}
}

/** Converts a checked argument to what the JS implementation takes for that parameter type. */
function toCallArg(value: unknown, type: ParamType): unknown {
	if (intParams.has(type) || type === 'float64') return value instanceof GoInt ? value.value : value;
	if (type === 'time.Time') return isTime(value) ? toGoTime(value) : value;
	if (type === 'any') return value === undefined ? null : value;
	return value;
}

/** Go's `ErrorContext`: "name:line:col" with a 0-based byte column. */
function location(text: string, parseName: string, pos: number): { line: number; column: number; where: string } {
	const before = text.slice(0, pos);
	const newline = before.lastIndexOf('\n');
	let line = 1;
	for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
	const column = byteLength(before.slice(newline + 1));
	return { line, column, where: `${parseName}:${line}:${column}` };
}

/** Runs the template named `name` of a parsed program against `data`. */
export function execute(program: Program, name: string, options: { readonly data: unknown; readonly context: ExecContext }): string {
	const { data, context } = options;
	const tree = program.trees.get(name);
	const state = new State(program, context, name, data === null ? undefined : data);
	try {
		if (tree === undefined) return state.errorf(`${quote(name)} is an incomplete or empty template`);
		state.walk(data === null ? undefined : data, tree.root);
		return state.out;
	} catch (error) {
		// Anything but an ExecFailure is a JavaScript failure inside the engine; callers still get a TemplateError.
		if (!(error instanceof ExecFailure)) {
			throw new TemplateError(`template: ${name}: ${error instanceof Error ? error.message : String(error)}`, {
				kind: 'exec',
				partial: state.out,
				cause: error,
			});
		}
		if (error.node === undefined) throw new TemplateError(`template: ${name}: ${error.message}`, { kind: 'exec', partial: state.out });
		const { line, column, where } = location(program.text, program.parseName, error.node.pos);
		const message = `template: ${where}: executing ${quote(error.name)} at <${nodeString(error.node)}>: ${error.message}`;
		throw new TemplateError(message, { kind: 'exec', partial: state.out, line, column });
	}
}
