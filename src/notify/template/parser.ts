/**
 * @module The text/template parser, ported from Go's text/template/parse/parse.go with its
 * three-token lookahead, so parse errors carry Go's wording and line numbers.
 */
import { Item, Lexer, tokenString, type ItemType, type Token } from './lexer.ts';
import { numberNode, unquote } from './literals.ts';
import type { ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, Tree, VariableNode } from './nodes.ts';
import { TemplateError } from './template-error.ts';

/** Thrown inside the parser; {@link parseTrees} turns it into a TemplateError. */
class ParseFailure {
	readonly message: string;
	readonly line: number;
	constructor(message: string, line: number) {
		this.message = message;
		this.line = line;
	}
}

class TreeParser {
	name: string;
	readonly parseName: string;
	readonly lex: Lexer;
	readonly trees: Map<string, Tree>;
	readonly hasFunction: (name: string) => boolean;
	token: Token[] = [];
	peekCount = 0;
	vars: string[] = ['$'];
	actionLine = 0;
	rangeDepth = 0;
	stackDepth = 0;
	root: ListNode | undefined;

	constructor(name: string, parseName: string, lex: Lexer, trees: Map<string, Tree>, hasFunction: (name: string) => boolean) {
		this.name = name;
		this.parseName = parseName;
		this.lex = lex;
		this.trees = trees;
		this.hasFunction = hasFunction;
	}

	next(): Token {
		if (this.peekCount > 0) this.peekCount--;
		else this.token[0] = this.lex.nextItem();
		return this.token[this.peekCount]!;
	}

	backup(): void {
		this.peekCount++;
	}

	backup2(t1: Token): void {
		this.token[1] = t1;
		this.peekCount = 2;
	}

	backup3(t2: Token, t1: Token): void {
		this.token[1] = t1;
		this.token[2] = t2;
		this.peekCount = 3;
	}

	peek(): Token {
		if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
		this.peekCount = 1;
		this.token[0] = this.lex.nextItem();
		return this.token[0];
	}

	nextNonSpace(): Token {
		let token: Token;
		do token = this.next();
		while (token.type === Item.Space);
		return token;
	}

	peekNonSpace(): Token {
		const token = this.nextNonSpace();
		this.backup();
		return token;
	}

	errorf(message: string): never {
		throw new ParseFailure(`template: ${this.parseName}:${this.token[0]?.line ?? 1}: ${message}`, this.token[0]?.line ?? 1);
	}

	expect(expected: ItemType, context: string): Token {
		const token = this.nextNonSpace();
		if (token.type !== expected) this.unexpected(token, context);
		return token;
	}

	unexpected(token: Token, context: string): never {
		if (token.type === Item.Error) {
			let extra = '';
			if (this.actionLine !== 0 && this.actionLine !== token.line) {
				extra = ` in action started at ${this.parseName}:${this.actionLine}`;
				// Avoid "action in action".
				if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
			}
			this.errorf(`${tokenString(token)}${extra}`);
		}
		this.errorf(`unexpected ${tokenString(token)} in ${context}`);
	}

	/** Records this tree in the set, refusing a second non-empty definition of a name. */
	add(): void {
		const root = this.root ?? { kind: 'list', pos: 0, nodes: [] };
		const existing = this.trees.get(this.name);
		if (existing === undefined || isEmptyTree(existing.root)) {
			this.trees.set(this.name, { name: this.name, root });
			return;
		}
		if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${JSON.stringify(this.name)}`);
	}

	parse(): void {
		const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
		this.root = root;
		while (this.peek().type !== Item.EOF) {
			if (this.peek().type === Item.LeftDelim) {
				const delim = this.next();
				if (this.nextNonSpace().type === Item.Define) {
					const definition = new TreeParser('definition', this.parseName, this.lex, this.trees, this.hasFunction);
					definition.parseDefinition();
					continue;
				}
				this.backup2(delim);
			}
			const node = this.textOrAction();
			if (node.kind === 'end' || node.kind === 'else') this.errorf(`unexpected {{${node.kind}}}`);
			root.nodes.push(node);
		}
	}

	parseDefinition(): void {
		const context = 'define clause';
		const token = this.nextNonSpace();
		if (token.type !== Item.String && token.type !== Item.RawString) this.unexpected(token, context);
		const name = unquote(token.val);
		if (name === undefined) this.errorf('invalid syntax');
		this.name = name;
		this.expect(Item.RightDelim, context);
		const [list, end] = this.itemList();
		if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
		this.root = list;
		this.add();
	}

	itemList(): [ListNode, Node] {
		const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
		while (this.peekNonSpace().type !== Item.EOF) {
			const node = this.textOrAction();
			if (node.kind === 'end' || node.kind === 'else') return [list, node];
			list.nodes.push(node);
		}
		this.errorf('unexpected EOF');
	}

	textOrAction(): Node {
		const token = this.nextNonSpace();
		switch (token.type) {
			case Item.Text:
				return { kind: 'text', pos: token.pos, text: token.val };
			case Item.LeftDelim:
				this.actionLine = token.line;
				try {
					return this.action();
				} finally {
					this.actionLine = 0;
				}
			case Item.Comment:
				return { kind: 'comment', pos: token.pos, text: token.val };
			default:
				this.unexpected(token, 'input');
		}
	}

	action(): Node {
		const token = this.nextNonSpace();
		switch (token.type) {
			case Item.Block:
				return this.blockControl();
			case Item.Break:
				return this.loopControl('break', token);
			case Item.Continue:
				return this.loopControl('continue', token);
			case Item.Else:
				return this.elseControl();
			case Item.End:
				return { kind: 'end', pos: this.expect(Item.RightDelim, 'end').pos };
			case Item.If:
				return this.branchControl('if');
			case Item.Range:
				return this.branchControl('range');
			case Item.Template:
				return this.templateControl();
			case Item.With:
				return this.branchControl('with');
			default:
		}
		this.backup();
		const start = this.peek();
		return { kind: 'action', pos: start.pos, pipe: this.pipeline('command', Item.RightDelim) };
	}

	loopControl(kind: 'break' | 'continue', keyword: Token): Node {
		const token = this.nextNonSpace();
		if (token.type !== Item.RightDelim) this.unexpected(token, `{{${kind}}}`);
		if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
		return { kind, pos: keyword.pos };
	}

	pipeline(context: string, end: ItemType): PipeNode {
		const pipe: PipeNode = { kind: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
		for (let declaring = true; declaring; ) {
			declaring = false;
			const v = this.peekNonSpace();
			if (v.type !== Item.Variable) break;
			this.next();
			const tokenAfterVariable = this.peek();
			const next = this.peekNonSpace();
			if (next.type === Item.Assign || next.type === Item.Declare) {
				pipe.isAssign = next.type === Item.Assign;
				this.nextNonSpace();
				pipe.decl.push(this.variable(v.pos, v.val));
				this.vars.push(v.val);
			} else if (next.type === Item.Char && next.val === ',') {
				this.nextNonSpace();
				pipe.decl.push(this.variable(v.pos, v.val));
				this.vars.push(v.val);
				if (context === 'range' && pipe.decl.length < 2) {
					const after = this.peekNonSpace().type;
					if (after === Item.Variable || after === Item.RightDelim || after === Item.RightParen) {
						declaring = true;
						continue;
					}
					this.errorf('range can only initialize variables');
				}
				this.errorf(`too many declarations in ${context}`);
			} else if (tokenAfterVariable.type === Item.Space) this.backup3(v, tokenAfterVariable);
			else this.backup2(v);
		}
		for (;;) {
			const token = this.nextNonSpace();
			switch (token.type) {
				case end:
					this.checkPipeline(pipe, context);
					return pipe;
				case Item.Bool:
				case Item.CharConstant:
				case Item.Complex:
				case Item.Dot:
				case Item.Field:
				case Item.Identifier:
				case Item.Number:
				case Item.Nil:
				case Item.RawString:
				case Item.String:
				case Item.Variable:
				case Item.LeftParen:
					this.backup();
					pipe.cmds.push(this.command());
					break;
				default:
					this.unexpected(token, context);
			}
		}
	}

	checkPipeline(pipe: PipeNode, context: string): void {
		if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
		pipe.cmds.slice(1).forEach((cmd, i) => {
			const kind = cmd.args[0]?.kind;
			if (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string') {
				this.errorf(`non executable command in pipeline stage ${i + 2}`);
			}
		});
	}

	branchControl(kind: 'if' | 'range' | 'with'): BranchNode {
		const mark = this.vars.length;
		try {
			const pipe = this.pipeline(kind, Item.RightDelim);
			if (kind === 'range') this.rangeDepth++;
			const [list, first] = this.itemList();
			let next = first;
			if (kind === 'range') this.rangeDepth--;
			let elseList: ListNode | undefined;
			if (next.kind === 'else') {
				// "{{else if}}" and "{{else with}}" nest a new branch as the whole else list.
				if ((kind === 'if' && this.peek().type === Item.If) || (kind === 'with' && this.peek().type === Item.With)) {
					this.next();
					elseList = { kind: 'list', pos: next.pos, nodes: [this.branchControl(kind)] };
				} else {
					[elseList, next] = this.itemList();
					if (next.kind !== 'end') this.errorf(`expected end; found {{${next.kind}}}`);
				}
			}
			return { kind, pos: pipe.pos, pipe, list, elseList };
		} finally {
			this.vars.length = mark;
		}
	}

	elseControl(): Node {
		const peek = this.peekNonSpace();
		// "{{else if}}" and "{{else with}}": the keyword stays for branchControl.
		if (peek.type === Item.If || peek.type === Item.With) return { kind: 'else', pos: peek.pos };
		return { kind: 'else', pos: this.expect(Item.RightDelim, 'else').pos };
	}

	templateName(token: Token, context: string): string {
		if (token.type !== Item.String && token.type !== Item.RawString) this.unexpected(token, context);
		const name = unquote(token.val);
		if (name === undefined) this.errorf('invalid syntax');
		return name;
	}

	blockControl(): Node {
		const context = 'block clause';
		const token = this.nextNonSpace();
		const name = this.templateName(token, context);
		const pipe = this.pipeline(context, Item.RightDelim);
		const block = new TreeParser(name, this.parseName, this.lex, this.trees, this.hasFunction);
		const [list, end] = block.itemList();
		if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
		block.root = list;
		block.add();
		return { kind: 'template', pos: token.pos, name, pipe };
	}

	templateControl(): Node {
		const context = 'template clause';
		const token = this.nextNonSpace();
		const name = this.templateName(token, context);
		let pipe: PipeNode | undefined;
		if (this.nextNonSpace().type !== Item.RightDelim) {
			this.backup();
			pipe = this.pipeline(context, Item.RightDelim);
		}
		return { kind: 'template', pos: token.pos, name, pipe };
	}

	command(): CommandNode {
		const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
		for (;;) {
			this.peekNonSpace();
			const operand = this.operand();
			if (operand !== undefined) cmd.args.push(operand);
			const token = this.next();
			if (token.type === Item.Space) continue;
			if (token.type === Item.RightDelim || token.type === Item.RightParen) this.backup();
			else if (token.type !== Item.Pipe) this.unexpected(token, 'operand');
			break;
		}
		if (cmd.args.length === 0) this.errorf('empty command');
		return cmd;
	}

	operand(): ArgNode | undefined {
		const node = this.term();
		if (node === undefined || this.peek().type !== Item.Field) return node;
		const pos = this.peek().pos;
		const fields: string[] = [];
		while (this.peek().type === Item.Field) fields.push(this.next().val.slice(1));
		switch (node.kind) {
			case 'field':
				return { kind: 'field', pos, ident: [...node.ident, ...fields] };
			case 'variable':
				return { kind: 'variable', pos, ident: [...node.ident, ...fields] };
			case 'bool':
			case 'string':
			case 'number':
			case 'nil':
			case 'dot':
				this.errorf(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
			default:
				return { kind: 'chain', pos, node, field: fields };
		}
	}

	term(): ArgNode | undefined {
		const token = this.nextNonSpace();
		switch (token.type) {
			case Item.Identifier:
				if (!this.hasFunction(token.val)) this.errorf(`function ${JSON.stringify(token.val)} not defined`);
				return { kind: 'identifier', pos: token.pos, ident: token.val };
			case Item.Dot:
				return { kind: 'dot', pos: token.pos };
			case Item.Nil:
				return { kind: 'nil', pos: token.pos };
			case Item.Variable:
				return this.useVar(token.pos, token.val);
			case Item.Field:
				return { kind: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
			case Item.Bool:
				return { kind: 'bool', pos: token.pos, value: token.val === 'true' };
			case Item.CharConstant:
			case Item.Complex:
			case Item.Number: {
				const number = numberNode(token.pos, token.val, token.type === Item.CharConstant);
				if (typeof number === 'string') this.errorf(number);
				return number;
			}
			case Item.LeftParen: {
				if (this.stackDepth >= 10000) this.errorf('max expression depth exceeded');
				this.stackDepth++;
				try {
					return this.pipeline('parenthesized pipeline', Item.RightParen);
				} finally {
					this.stackDepth--;
				}
			}
			case Item.String:
			case Item.RawString: {
				const text = unquote(token.val);
				if (text === undefined) this.errorf('invalid syntax');
				return { kind: 'string', pos: token.pos, quoted: token.val, text };
			}
			default:
				this.backup();
				return undefined;
		}
	}

	variable(pos: number, name: string): VariableNode {
		return { kind: 'variable', pos, ident: name.split('.') };
	}

	useVar(pos: number, name: string): VariableNode {
		const node = this.variable(pos, name);
		if (!this.vars.includes(node.ident[0]!)) this.errorf(`undefined variable ${JSON.stringify(node.ident[0])}`);
		return node;
	}
}

function nodeText(node: ArgNode): string {
	switch (node.kind) {
		case 'bool':
			return String(node.value);
		case 'string':
			return node.quoted;
		case 'number':
			return node.text;
		case 'nil':
			return 'nil';
		default:
			return '.';
	}
}

function isEmptyTree(node: Node): boolean {
	switch (node.kind) {
		case 'comment':
			return true;
		case 'list':
			return node.nodes.every(isEmptyTree);
		case 'text':
			return node.text.trim() === '';
		default:
			return false;
	}
}

/** Parses `text` into its set of trees: `name` for the top level plus every define and block. */
export function parseTrees(text: string, name: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
	const trees = new Map<string, Tree>();
	const parser = new TreeParser(name, name, new Lexer(text), trees, hasFunction);
	try {
		parser.parse();
		parser.add();
	} catch (error) {
		if (error instanceof ParseFailure) throw new TemplateError(error.message, { kind: 'parse', line: error.line });
		// Anything else is a JavaScript failure (a stack overflow on absurd nesting): still a template error to callers.
		throw new TemplateError(`template: ${name}: ${error instanceof Error ? error.message : String(error)}`, {
			kind: 'parse',
			cause: error,
		});
	}
	return trees;
}
