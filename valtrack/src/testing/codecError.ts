import { CodecError, type CodecErrorClass } from '../p2p/codec.js'

/** The class of the CodecError `f` throws; fails the test when it returns or throws anything else. */
export function codecErrorClass(f: () => unknown): CodecErrorClass {
  try {
    f()
  } catch (e) {
    if (e instanceof CodecError) return e.errorClass
    throw e
  }
  throw new Error('expected a CodecError')
}
