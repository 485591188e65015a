// The fake-IMDS contract (test/support/imds.contract.ts) against a real AEMM
// v1.13.0 process per case (`-I` for the IMDSv2-only cases), with Node's fetch.
// The same cases run against the fake in test/unit/imds-contract.test.ts: a
// case that passes here and fails there means the fake drifted from AEMM.
// Needs the AEMM binary (test/real/build.sh; `node scripts/test.mjs --e2e imds-contract`).
import { suite } from 'uvu';
import { sleep } from '../../src/clock.ts';
import { startAemm } from '../real/aemm.ts';
import { type ImdsTarget, registerImdsContract } from '../support/imds.contract.ts';

const aemm: ImdsTarget = {
	name: 'aemm',
	start: async (scenario, { tokensRequired }) => {
		const imds = await startAemm(scenario.aemmArgs, { imdsv2: tokensRequired });
		return {
			baseUrl: imds.url,
			fetch: (input, init) => fetch(input, init),
			elapse: (ms) => sleep(ms),
			close: () => imds.stop(),
		};
	},
};

const contract = suite('fake IMDS contract (real AEMM)');
registerImdsContract(contract, aemm);
contract.run();
