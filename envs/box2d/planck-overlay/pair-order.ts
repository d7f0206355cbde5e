// Box2D 2.3 creates the contacts of a step in the order of its broad-phase pair buffer,
// which b2BroadPhase::UpdatePairs sorts by (proxyIdA, proxyIdB) before reporting, and its
// b2DynamicTree hands out node ids from a free list (a freed id is the next one given).
// planck reports each pair as its tree query meets it and never reuses an id. The order in
// which contacts are created is the order of the world's and the bodies' contact lists,
// hence of the islands' contacts, hence of the Gauss-Seidel passes of the velocity and
// position solvers: when several contacts begin in one step (BipedalWalker's feet landing
// on two terrain edges during reset) the order changes the solved positions by ~1e-2.
// Sorting the pairs, with ids given out as Box2D's free list gives them out, creates
// contacts in Box2D's order.
import { DynamicTree, type BroadPhase } from 'planck';

interface TreeNodeLike {
  id: number;
}

interface TreeInternals {
  m_nodes: Record<number, TreeNodeLike>;
  allocateNode(): TreeNodeLike;
  freeNode(node: TreeNodeLike): void;
  getFatAABB(id: number): unknown;
  getUserData(id: number): unknown;
  query(aabb: unknown, callback: (id: number) => boolean): void;
}

interface BroadPhaseInternals {
  m_tree: TreeInternals;
  m_moveBuffer: (number | null)[];
  updatePairs(addPair: (proxyA: unknown, proxyB: unknown) => void): void;
}

// Pairs are packed into one double, lower id first; ids stay far below 2^26.
const ID_RANGE = 2 ** 26;

const stockAllocateNode = (DynamicTree.prototype as unknown as TreeInternals).allocateNode;
const stockFreeNode = (DynamicTree.prototype as unknown as TreeInternals).freeNode;

/**
 * Makes `broadPhase` (one world's) number its tree nodes and report new pairs as Box2D 2.3
 * does. Only this broad-phase instance changes; planck's classes are left as they are.
 */
export function useBox2DPairOrder(broadPhase: BroadPhase): void {
  const bp = broadPhase as unknown as BroadPhaseInternals;
  const tree = bp.m_tree;

  // b2DynamicTree::AllocateNode / FreeNode: a LIFO free list in front of fresh ids (which
  // Box2D hands out in increasing order). Ids start at 1 rather than 0, as planck's do;
  // only their order matters.
  const freed: number[] = [];
  let fresh = 0;
  tree.allocateNode = function (this: TreeInternals): TreeNodeLike {
    const node = stockAllocateNode.call(this);
    delete this.m_nodes[node.id];
    node.id = freed.length > 0 ? freed.pop()! : ++fresh;
    this.m_nodes[node.id] = node;
    return node;
  };
  tree.freeNode = function (this: TreeInternals, node: TreeNodeLike): void {
    freed.push(node.id);
    stockFreeNode.call(this, node);
  };

  // b2BroadPhase::UpdatePairs: query every moved proxy, sort the pairs, drop duplicates,
  // then report them.
  let pairs = new Float64Array(64);
  let count = 0;
  let queryId = 0;
  const collect = (id: number): boolean => {
    if (id === queryId) return true;
    if (count === pairs.length) {
      const grown = new Float64Array(pairs.length * 2);
      grown.set(pairs);
      pairs = grown;
    }
    pairs[count++] = id < queryId ? id * ID_RANGE + queryId : queryId * ID_RANGE + id;
    return true;
  };
  bp.updatePairs = function (this: BroadPhaseInternals, addPair): void {
    const moves = this.m_moveBuffer;
    count = 0;
    for (let i = 0; i < moves.length; i++) {
      const id = moves[i];
      if (id === null) continue;
      queryId = id;
      this.m_tree.query(this.m_tree.getFatAABB(id), collect);
    }
    moves.length = 0;
    const sorted = pairs.subarray(0, count).sort();
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const key = sorted[i];
      if (key === previous) continue;
      previous = key;
      const a = Math.floor(key / ID_RANGE);
      addPair(this.m_tree.getUserData(a), this.m_tree.getUserData(key - a * ID_RANGE));
    }
  };
}
