// Loaded only under `npm run test:mutation`: a property that fails a mutant only has to fail,
// not shrink to a minimal counterexample (shrinking is what makes a killed mutant slow).
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
