/** A server instance's name in the runtime logs: its machine and its slot ("node-1#0"). */
export const instanceLabel = (node: string, slot: number) => `${node}#${slot}`;
