import { crc32c, maskedCrc32c } from './crc32c.js'

const ascii = (s: string) => new TextEncoder().encode(s)

test('CRC-32C check value of "123456789" (the catalogue value for CRC-32/ISCSI)', () => {
  expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
})

test('RFC 3720 B.4 vectors: 32 zero bytes, 32 0xff bytes, bytes 0..31', () => {
  expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
  expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
  expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
})

test('masking rotates right by 15 and adds 0xa282ead8 modulo 2^32', () => {
  // crc("123456789") = 0xe3069283; rotr15 = 0x2507c60d; + 0xa282ead8 = 0xc78ab0e5.
  expect(maskedCrc32c(ascii('123456789'))).toBe(0xc78ab0e5)
})
