import t from 'tap';
import { ByteSlab } from '../../store/byte-slab.js';

t.test('pieces are carved side by side from one slab, texts to their exact UTF-8 length', async (t) => {
  const slab = new ByteSlab();
  const a = slab.alloc(10);
  const b = slab.write('héllo ✓');
  t.equal(b.toString('utf8'), 'héllo ✓');
  t.equal(b.length, Buffer.byteLength('héllo ✓'), 'no worst-case padding kept');
  t.equal(b.buffer, a.buffer, 'one slab');
  t.equal(b.byteOffset, a.byteOffset + a.length, 'right after the piece before');
  const big = slab.alloc(3 * 1024 * 1024);
  t.equal(big.length, 3 * 1024 * 1024, 'a piece bigger than a slab gets a slab of its own');
  t.not(big.buffer, a.buffer);
  const next = slab.alloc(4);
  t.not(next.buffer, big.buffer, 'a full slab is not carved further');
});
