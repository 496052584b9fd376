import { newStreamConfig, streamConfigChanges, STREAM_NAME } from './streamConfig.js'

const minute = 60_000_000_000 // ns

describe('stream config', () => {
  it('creates EVENTS with Interest retention, both subjects, file storage and a duplicate window', () => {
    expect(newStreamConfig()).toEqual({
      name: 'EVENTS',
      subjects: ['events.metadata_received', 'events.peer_discovered'],
      retention: 'interest',
      storage: 'file',
      num_replicas: 1,
      discard: 'old',
      max_age: 7 * 24 * 60 * minute,
      duplicate_window: 10 * minute,
    })
    expect(STREAM_NAME).toBe('EVENTS')
  })

  it('changes nothing in a stream that matches (subjects in any order, longer window)', () => {
    const existing = { ...newStreamConfig(), subjects: ['events.peer_discovered', 'events.metadata_received'], duplicate_window: 60 * minute, max_age: 0 }
    expect(streamConfigChanges(existing)).toBeNull()
  })

  it('fixes retention, subjects and a short duplicate window, and keeps the rest', () => {
    const existing = { ...newStreamConfig(), retention: 'limits' as const, subjects: ['events.peer_discovered'], duplicate_window: 2 * minute, storage: 'memory' as const }
    expect(streamConfigChanges(existing)).toEqual({
      retention: 'interest',
      subjects: ['events.metadata_received', 'events.peer_discovered'],
      duplicate_window: 10 * minute,
    })
  })

  it('replaces extra subjects and keeps a duplicate window within a short max age', () => {
    const existing = { ...newStreamConfig(), subjects: ['events.>'], max_age: 5 * minute, duplicate_window: 5 * minute }
    expect(streamConfigChanges(existing)).toEqual({ subjects: ['events.metadata_received', 'events.peer_discovered'] })
    expect(newStreamConfig({ replicas: 3, duplicateWindowMs: 600_000, maxAgeMs: 60_000 })).toMatchObject({ num_replicas: 3, max_age: minute, duplicate_window: minute })
  })
})
