// The house rules Biome cannot express, checked over src/ (style-anchors.md "red flags"). Biome
// (biome.json, `npm run lint` runs both) does the rest: formatting (once biome.json enables the
// formatter), its recommended rules, node: imports and the process/Deno/Bun globals outside
// src/runtime/ (noRestrictedImports, noRestrictedGlobals). Prints each finding as file:line and
// exits 1 when there is one. Checked here:
//   - no barrel index.ts (Biome's noBarrelFile would also flag the deliberate re-exports that keep
//     a split file's public API, e.g. drain/drain.ts)
//   - no empty catch block (every catch logs and counts, or says why in a comment); Biome's
//     noEmptyBlockStatements also flags the no-op callbacks `() => {}` the fakes and post.ts use
//   - no `as` cast on parsed JSON (valibot at every boundary)
//   - error messages start with a capital letter and do not end with a period
//   - at most 3 parameters on an exported function (deno std's rule: an options object after that),
//     except where Go's signatures are the contract (src/drain/, src/notify/template/funcs/);
//     Biome's useMaxParams counts every function, private helpers and callbacks included
//
// Biome rules the code base deliberately does differently (off in biome.json), and why:
//   - complexity/useLiteralKeys: records with index signatures (env, headers, Record<string, …>) are
//     read with brackets on purpose: with noUncheckedIndexedAccess the bracket marks a key that may be absent.
//   - In src/notify/template/ (a port of Go's text/template and Sprig, whose behaviour is the contract):
//     noNonNullAssertion (indexes already bounds-checked by the lexer/parser), noFallthroughSwitchClause
//     (Go's `fallthrough` cases), noControlCharactersInRegex (Go's quoting and escaping classes name
//     control characters), noShadowRestrictedNames (Go's func names), useIterableCallbackReturn,
//     noApproximativeNumericConstant and noPrecisionLoss (Go's own constants and float outputs),
//     noUnusedFunctionParameters (Go's signatures), useMathMinMax (Go's min/max with NaN), noTemplateCurlyInString
//     (`${…}` is Sprig's expandenv input, not a mistaken template literal).
//   - In tests, test/, bench/ and scripts/: noAssignInExpressions (`void (count += 1)` counters in fakes),
//     noThenProperty (fake-watch scripts have a `then` step), noUnsafeOptionalChaining (a test that
//     dereferences undefined fails, as it should), noVoidTypeReturn (`return answer(…)` in handlers),
//     noEmptyCharacterClassInRegex (`[^]` is the any-character idiom), noControlCharactersInRegex (ANSI
//     and NUL bytes in fixtures), noTemplateCurlyInString (shell `${VAR}` text), noNonNullAssertion.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = process.cwd();
const findings = [];

function walk(dir, out = []) {
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) walk(path, out);
		else if (name.endsWith('.ts')) out.push(path);
	}
	return out;
}

/** The checks that read the syntax tree (so a statement the formatter spread over several lines is still seen). */
function checkSyntax(file, text) {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const at = (node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
	// The template engine reproduces Go's own error texts ("json: unsupported value"): that wording is the contract there.
	const checkWording = !file.startsWith('src/notify/template/') && !file.endsWith('.test.ts');
	const visit = (node) => {
		if (
			ts.isCatchClause(node) &&
			node.block.statements.length === 0 &&
			text.slice(node.block.getStart(source) + 1, node.block.getEnd() - 1).trim() === ''
		) {
			findings.push(`${at(node)}: empty catch block`);
		}
		if (ts.isAsExpression(node) && node.type.kind !== ts.SyntaxKind.UnknownKeyword) {
			let inner = node.expression;
			while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
			if (ts.isCallExpression(inner) && inner.expression.getText(source) === 'JSON.parse')
				findings.push(`${at(node)}: \`as\` on parsed JSON (parse it with valibot)`);
		}
		if (checkWording && ts.isNewExpression(node) && /Error$/.test(node.expression.getText(source))) {
			const first = node.arguments?.[0];
			const quoted =
				first !== undefined && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isTemplateExpression(first));
			// Single-quoted and template messages, as before the formatter (a double-quoted one carries a quote of its own).
			const raw = quoted ? first.getText(source) : '';
			if (raw.startsWith("'") || raw.startsWith('`')) {
				const message = raw.startsWith("'") ? raw.slice(1, -1) : raw.slice(1);
				if (/^[a-z]/.test(message) && !/^(fetch failed|template:)/.test(message))
					findings.push(`${at(node)}: error message should start with a capital letter ("${message.slice(0, 40)}")`);
				if (raw.startsWith("'") && message.endsWith('.')) findings.push(`${at(node)}: error message ends with a period`);
			}
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
}

for (const path of walk(join(root, 'src'))) {
	const file = relative(root, path);
	if (/(^|\/)index\.ts$/.test(file)) findings.push(`${file}:1: barrel index.ts (import the file itself)`);
	checkSyntax(file, readFileSync(path, 'utf8'));
}

/** Folders whose exported functions keep Go's positional signatures (the drain mirrors kubectl's, the template funcs Go's). */
const goSignatures = ['src/drain/', 'src/notify/template/funcs/'];
const maxParameters = 3;

/** Exported function declarations and exported `const f = (...) =>` / `function` expressions with more than {@link maxParameters} parameters. */
function tooManyParameters(file, text) {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const exported = (node) => node.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) === true;
	const report = (node, name, count) => {
		const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
		findings.push(
			`${file}:${line}: exported function ${name} takes ${count} parameters (at most ${maxParameters}: put the rest in an options object)`,
		);
	};
	for (const statement of source.statements) {
		if (ts.isFunctionDeclaration(statement) && exported(statement) && statement.parameters.length > maxParameters) {
			report(statement, statement.name?.text ?? 'default', statement.parameters.length);
		}
		if (ts.isVariableStatement(statement) && exported(statement)) {
			for (const declaration of statement.declarationList.declarations) {
				const value = declaration.initializer;
				if (value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) && value.parameters.length > maxParameters) {
					report(declaration, declaration.name.getText(source), value.parameters.length);
				}
			}
		}
	}
}

for (const path of walk(join(root, 'src'))) {
	const file = relative(root, path);
	if (goSignatures.some((folder) => file.startsWith(folder))) continue;
	tooManyParameters(file, readFileSync(path, 'utf8'));
}

for (const finding of findings) console.log(finding);
console.log(`lint: ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
process.exit(findings.length > 0 ? 1 : 0);
