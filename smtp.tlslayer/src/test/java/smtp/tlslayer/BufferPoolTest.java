package smtp.tlslayer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;

import org.junit.Test;

public class BufferPoolTest {

    @Test
    public void atMostTheBudgetIsOutAndAGivenBackArrayIsReused() {
        BufferPool pool = new BufferPool(16, 4, 2);
        byte[] first = pool.take();
        byte[] second = pool.take();
        assertNotNull(first);
        assertNotNull(second);
        assertNull("the budget of two is used up", pool.take());
        pool.give(new byte[8]); // not one of the pool's: changes nothing
        assertNull(pool.take());
        pool.give(first);
        assertSame(first, pool.take());
        pool.give(null);
        assertNull(pool.take());
        assertEquals(16, second.length);
    }
}
