import { expect } from 'chai';
import { measureTypecheck } from '../bench/typecheck/measure.js';
import { generateTypedFlow } from '../bench/typecheck/generate.js';

// The budget of the type-checking benchmark (bench/typecheck): typed flows must stay fast to
// check. Instantiations are exact and machine-independent, so they carry the budget; the time
// bound is generous (CI machines are slow and shared). Needs dist/ (`npm test` builds first).
const BUDGET_INSTANTIATIONS = 500_000;
const GENEROUS_CHECK_SECONDS = 30;

describe('type-checking cost of typed flows (issue 18)', () => {
  it(`a generated flow of 200 typed routines checks in < ${BUDGET_INSTANTIATIONS} instantiations, and one wrong mapping in it is one error at that mapping`, function () {
    this.timeout(300_000);
    const { flow, mistake } = measureTypecheck(200);
    expect(flow.errors).to.deep.equal([]);
    expect(mistake.errors).to.have.length(1);
    // The error is on the line of the wrong mapping (`{ w100: 'v100' }`, where the slot wants v101).
    const line = generateTypedFlow(200, { mistake: true }).split('\n').findIndex((l) => l.includes("{ w100: 'v100' }")) + 1;
    expect(mistake.errors[0]).to.match(new RegExp(`^mistake\\.ts\\(${line},\\d+\\): error TS\\d+`));
    expect(flow.instantiations).to.be.above(10_000); // the flow was really checked
    expect(flow.instantiations).to.be.below(BUDGET_INSTANTIATIONS);
    expect(flow.checkSeconds).to.be.below(GENEROUS_CHECK_SECONDS);
  });
});
