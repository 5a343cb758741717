import { AssignerProtocol, type Cluster } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { coPartitioned, coPartitionedAssigner } from './assigner.js'

describe('coPartitioned', () => {
  it('gives partition p of every topic to the same member, balanced over the members', () => {
    const a = coPartitioned(['m-b', 'm-a', 'm-c'], { preds: [0, 1, 2, 3, 4, 5], labels: [5, 4, 3, 2, 1, 0] })
    expect(a).toEqual({
      'm-a': { preds: [0, 3], labels: [0, 3] },
      'm-b': { preds: [1, 4], labels: [1, 4] },
      'm-c': { preds: [2, 5], labels: [2, 5] },
    })
  })

  it('leaves a member without partitions when there are more members than partitions', () => {
    const a = coPartitioned(['x', 'y', 'z'], { t: [0, 1] })
    expect(a).toEqual({ x: { t: [0] }, y: { t: [1] }, z: {} })
  })

  it('assigns every partition once whatever the member order', () => {
    const partitions = { a: [0, 1, 2, 3, 4], b: [0, 1, 2, 3, 4] }
    const one = coPartitioned(['p', 'q'], partitions)
    expect(coPartitioned(['q', 'p'], partitions)).toEqual(one)
    const all = Object.values(one).flatMap((m) =>
      Object.entries(m).flatMap(([t, ps]) => ps.map((p) => `${t}${p}`)),
    )
    expect(all.sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4'])
  })
})

describe('coPartitionedAssigner', () => {
  it('encodes the assignment kafkajs hands each member', async () => {
    const cluster = {
      findTopicPartitionMetadata: (topic: string) => [0, 1, 2].map((partitionId) => ({ partitionId, topic })),
    } as unknown as Cluster
    const assigner = coPartitionedAssigner({ cluster, groupId: 'g', logger: undefined as never })
    const out = await assigner.assign({
      members: [
        { memberId: 'b', memberMetadata: Buffer.alloc(0) },
        { memberId: 'a', memberMetadata: Buffer.alloc(0) },
      ],
      topics: ['labels', 'preds'],
    })
    const decoded = Object.fromEntries(
      out.map((m) => [m.memberId, AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment]),
    )
    expect(decoded).toEqual({ a: { labels: [0, 2], preds: [0, 2] }, b: { labels: [1], preds: [1] } })
    expect(
      AssignerProtocol.MemberMetadata.decode(assigner.protocol({ topics: ['t'] }).metadata)?.topics,
    ).toEqual(['t'])
  })
})
