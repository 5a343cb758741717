import { AssignerProtocol, type PartitionAssigner } from 'kafkajs'

/** Partitions per member and topic: `{ memberId: { topic: [partition, …] } }`. */
export type Assignment = Record<string, Record<string, number[]>>

/**
 * Partition p of every topic to the same member: members sorted by id, partition p to member
 * p mod members. For a group reading two topics keyed alike (the joiner: predictions and labels
 * by model), so that one member sees both halves of a key.
 * @example coPartitioned(['a', 'b'], { preds: [0, 1, 2], labels: [0, 1, 2] }) // a: 0 and 2 of both
 */
export function coPartitioned(
  memberIds: readonly string[],
  partitions: Record<string, readonly number[]>,
): Assignment {
  const members = [...memberIds].sort()
  const out: Assignment = {}
  if (members.length === 0) return out
  for (const m of members) out[m] = {}
  for (const [topic, ids] of Object.entries(partitions))
    for (const p of [...ids].sort((a, b) => a - b)) {
      const member = out[members[p % members.length]!]!
      const list = member[topic] ?? []
      list.push(p)
      member[topic] = list
    }
  return out
}

/**
 * A kafkajs assigner giving every member the same partition numbers of each topic it reads
 * ({@link coPartitioned}). kafkajs ships only round-robin over the flattened list of every
 * topic's partitions, which splits partition p of two topics between members.
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'VigilCoPartitioned',
  version: 0,
  async assign({ members, topics }) {
    const partitions = Object.fromEntries(
      topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]),
    )
    const assignment = coPartitioned(
      members.map((m) => m.memberId),
      partitions,
    )
    return Object.entries(assignment).map(([memberId, topicsOf]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topicsOf,
        userData: Buffer.alloc(0),
      }),
    }))
  },
  protocol({ topics }) {
    return {
      name: 'VigilCoPartitioned',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    }
  },
})
