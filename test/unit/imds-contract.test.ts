// The fake-IMDS contract (test/support/imds.contract.ts) against the fake:
// imdsModel of test/support/fake-imds.ts, in process, on a manual clock for token
// expiry. The same cases run against a real AEMM in test/e2e/imds-contract.test.ts.
import { suite } from 'uvu';
import { imdsModel } from '../support/fake-imds.ts';
import { type ImdsTarget, registerImdsContract } from '../support/imds.contract.ts';

const fake: ImdsTarget = {
	name: 'fake',
	start: async (scenario, { tokensRequired }) => {
		let now = Date.parse('2026-12-04T09:00:00Z');
		const model = imdsModel({ ...scenario.model(new Date()), tokensRequired, now: () => now });
		return {
			baseUrl: 'http://169.254.169.254',
			fetch: model.fake.fetch,
			elapse: async (ms) => {
				now += ms;
			},
			close: async () => {},
		};
	},
};

const contract = suite('fake IMDS contract (imdsModel)');
registerImdsContract(contract, fake);
contract.run();
