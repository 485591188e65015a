import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { configFields, configText } from './dump.ts';
import { loadConfig } from './load.ts';

const dump = suite('config dump');

dump('never prints webhook URL, headers or template', () => {
	const { config, sources } = loadConfig({
		env: {
			WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/SECRET',
			WEBHOOK_HEADERS: '{"Authorization":"Bearer SECRET2"}',
			WEBHOOK_TEMPLATE: 'tpl SECRET3',
			NODE_NAME: 'n1',
		},
		flags: {},
	});
	const text = configText(config, sources);
	const json = JSON.stringify(configFields(config, sources));
	for (const output of [text, json]) {
		assert.not.match(output, /SECRET/);
		assert.match(output, /<provided-not-displayed>/);
	}
	assert.match(text, /\tnode-name: n1,/);
	assert.is(configFields(config, sources)['node_termination_grace_period'], 120);
});

dump('shows <not-displayed> for secrets left at their default', () => {
	const { config, sources } = loadConfig({ env: {}, flags: {} });
	assert.match(configText(config, sources), /\twebhook-template: <not-displayed>,/);
});

dump.run();
