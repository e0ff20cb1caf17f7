// At most N requests in flight, the rest wait their turn here rather than in undici's queue: a
// request's timeout then starts when it is sent, so a slow backend is not blamed for the queue.
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line; otherwise give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
