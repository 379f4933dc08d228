/** A context failure as hiredis reports it (`err`, `errstr`), read from what a call throws or rejects with. */
import { expect } from 'chai';
import { ClusterError } from '../../lib/errors.js';
import { rejectionOf } from './async-helpers.js';

/** A failure as hiredis reports it. */
export type Failure = [code: number, message: string];

/** The ClusterError a call throws. */
export function thrown(call: () => unknown): Failure {
  try {
    call();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return [(err as ClusterError).code, (err as ClusterError).message];
  }
  throw new Error('expected a ClusterError');
}

/** A call's ClusterError, which the context's err/errstr must repeat (the blocking context's calls). */
export function blockingFailure(context: { err: number; errstr: string }, call: () => unknown): Failure {
  const failure = thrown(call);
  expect([context.err, context.errstr]).to.deep.equal(failure);
  return failure;
}

/** The ClusterError a promise rejects with. */
export async function rejected(promise: Promise<unknown>): Promise<Failure> {
  const err = await rejectionOf(promise);
  expect(err).to.be.instanceOf(ClusterError);
  return [err.code!, err.message];
}
