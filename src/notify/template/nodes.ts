/**
 * @module The parse tree of a template (Go's text/template/parse nodes) and Go's `String()` of
 * each node, which execution errors quote as `at <…>`.
 */

export interface ListNode {
	readonly kind: 'list';
	readonly pos: number;
	readonly nodes: Node[];
}
export interface TextNode {
	readonly kind: 'text';
	readonly pos: number;
	readonly text: string;
}
export interface CommentNode {
	readonly kind: 'comment';
	readonly pos: number;
	readonly text: string;
}
export interface ActionNode {
	readonly kind: 'action';
	readonly pos: number;
	readonly pipe: PipeNode;
}
export interface BranchNode {
	readonly kind: 'if' | 'range' | 'with';
	readonly pos: number;
	readonly pipe: PipeNode;
	readonly list: ListNode;
	readonly elseList: ListNode | undefined;
}
export interface TemplateNode {
	readonly kind: 'template';
	readonly pos: number;
	readonly name: string;
	readonly pipe: PipeNode | undefined;
}
export interface BreakNode {
	readonly kind: 'break';
	readonly pos: number;
}
export interface ContinueNode {
	readonly kind: 'continue';
	readonly pos: number;
}
/** `{{else}}` and `{{end}}` exist only while parsing. */
export interface ElseNode {
	readonly kind: 'else';
	readonly pos: number;
}
export interface EndNode {
	readonly kind: 'end';
	readonly pos: number;
}

export interface PipeNode {
	readonly kind: 'pipe';
	readonly pos: number;
	isAssign: boolean;
	readonly decl: VariableNode[];
	readonly cmds: CommandNode[];
}
export interface CommandNode {
	readonly kind: 'command';
	readonly pos: number;
	readonly args: ArgNode[];
}
export interface IdentifierNode {
	readonly kind: 'identifier';
	readonly pos: number;
	readonly ident: string;
}
export interface VariableNode {
	readonly kind: 'variable';
	readonly pos: number;
	readonly ident: string[];
}
export interface FieldNode {
	readonly kind: 'field';
	readonly pos: number;
	readonly ident: string[];
}
export interface ChainNode {
	readonly kind: 'chain';
	readonly pos: number;
	readonly node: ArgNode;
	readonly field: string[];
}
export interface DotNode {
	readonly kind: 'dot';
	readonly pos: number;
}
export interface NilNode {
	readonly kind: 'nil';
	readonly pos: number;
}
export interface BoolNode {
	readonly kind: 'bool';
	readonly pos: number;
	readonly value: boolean;
}
export interface StringNode {
	readonly kind: 'string';
	readonly pos: number;
	readonly quoted: string;
	readonly text: string;
}
export interface NumberNode {
	readonly kind: 'number';
	readonly pos: number;
	readonly text: string;
	readonly isInt: boolean;
	readonly isUint: boolean;
	readonly isFloat: boolean;
	/** The integer value when isInt or isUint. */
	readonly int: number;
	/** The float value when isFloat. */
	readonly float: number;
	/** The exact integer when isInt or isUint. */
	readonly big: bigint;
}

export type ArgNode =
	| BoolNode
	| ChainNode
	| DotNode
	| FieldNode
	| IdentifierNode
	| NilNode
	| NumberNode
	| PipeNode
	| StringNode
	| VariableNode;
export type Node =
	| ListNode
	| TextNode
	| CommentNode
	| ActionNode
	| BranchNode
	| TemplateNode
	| BreakNode
	| ContinueNode
	| ElseNode
	| EndNode;
export type AnyNode = Node | ArgNode | CommandNode;

/** One template of a set: the top-level one or a `define`/`block`. */
export interface Tree {
	readonly name: string;
	readonly root: ListNode;
}

/** Go's `Node.String()`. */
export function nodeString(node: AnyNode): string {
	switch (node.kind) {
		case 'list':
			return node.nodes.map(nodeString).join('');
		case 'text':
			return node.text;
		case 'comment':
			return `{{${node.text}}}`;
		case 'action':
			return `{{${nodeString(node.pipe)}}}`;
		case 'if':
		case 'range':
		case 'with':
			return `{{${node.kind} ${nodeString(node.pipe)}}}${nodeString(node.list)}${node.elseList ? `{{else}}${nodeString(node.elseList)}` : ''}{{end}}`;
		case 'template':
			return `{{template ${JSON.stringify(node.name)}${node.pipe ? ` ${nodeString(node.pipe)}` : ''}}}`;
		case 'break':
			return '{{break}}';
		case 'continue':
			return '{{continue}}';
		case 'else':
			return '{{else}}';
		case 'end':
			return '{{end}}';
		case 'pipe': {
			const decl = node.decl.length > 0 ? `${node.decl.map(nodeString).join(', ')}${node.isAssign ? ' = ' : ' := '}` : '';
			return decl + node.cmds.map(nodeString).join(' | ');
		}
		case 'command':
			return node.args.map((arg) => (arg.kind === 'pipe' ? `(${nodeString(arg)})` : nodeString(arg))).join(' ');
		case 'identifier':
			return node.ident;
		case 'variable':
			return node.ident.join('.');
		case 'field':
			return node.ident.map((id) => `.${id}`).join('');
		case 'chain':
			return (node.node.kind === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node)) + node.field.map((f) => `.${f}`).join('');
		case 'dot':
			return '.';
		case 'nil':
			return 'nil';
		case 'bool':
			return String(node.value);
		case 'string':
			return node.quoted;
		case 'number':
			return node.text;
	}
}
