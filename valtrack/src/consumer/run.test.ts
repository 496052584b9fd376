import { instanceIdOf } from './run.js'

test('the instance id is the host name made safe for part names', () => {
  expect(instanceIdOf('node-1.example.org')).toBe('node_1_example_org')
  expect(instanceIdOf('')).toBe('consumer')
  expect(instanceIdOf('a'.repeat(100))).toHaveLength(48)
})
