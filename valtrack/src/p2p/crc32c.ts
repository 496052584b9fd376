/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the snappy framing format checksums each chunk's
 * uncompressed data. Table-driven: the checksum runs over every byte a peer sends us.
 */
const table = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * The framing format stores a "masked" CRC (rotate right by 15, add a constant) so that checksumming data
 * that itself contains CRCs does not degrade the check.
 */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data)
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}
