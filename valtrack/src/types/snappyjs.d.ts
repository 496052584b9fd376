/** snappyjs ships no types; these are the two functions of its index.js that valtrack uses. */
declare module 'snappyjs' {
  /** Raw snappy block. Throws (a plain Error) on corrupt input or when the declared length exceeds maxLength. */
  export function uncompress(compressed: Uint8Array, maxLength: number): Uint8Array
  export function compress(uncompressed: Uint8Array): Uint8Array
}
