package org.staged.models.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.testng.annotations.Test;

public class SafetensorsTest {
    /** A file as another writer may lay it out: header keys not in offset order, half-precision tensors. */
    private static Path handWritten(String header, ByteBuffer data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data.array());
        Path f = Files.createTempFile("st", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    public void readsHalfPrecisionAndAnyHeaderOrder() throws IOException {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
        // BF16: 1.0 = 0x3F80, -0.15625 = 0xBE20
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3F80).putShort((short) 0xBE20);
        data.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x7BFF).putShort((short) 0x0001);
        Path f = handWritten("{\"half\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[4,12]},"
                + "\"brain\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"__metadata__\":{\"format\":\"pt\"}}", data);
        try (Safetensors s = Safetensors.open(f)) {
            assertEquals(s.metadata().get("format"), "pt");
            INDArray half = s.read("half");
            assertEquals(half.dataType(), DataType.FLOAT);
            assertEquals(half.shape(), new long[] {2, 2});
            assertEquals(half.reshape(4).toFloatVector(), new float[] {1f, -2.5f, 65504f, 0x1p-24f});
            assertEquals(s.read("brain").toFloatVector(), new float[] {1f, -0.15625f});
        }
    }

    @Test
    public void halfPrecisionSpecialValues() {
        assertEquals(Safetensors.halfToFloat((short) 0x7C00), Float.POSITIVE_INFINITY);
        assertEquals(Safetensors.halfToFloat((short) 0xFC00), Float.NEGATIVE_INFINITY);
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
        assertEquals(Safetensors.halfToFloat((short) 0x8000), -0f);
        assertEquals(Safetensors.halfToFloat((short) 0x0400), 0x1p-14f);   // smallest normal
        assertEquals(Safetensors.halfToFloat((short) 0x3555), 0.33325195f);
    }

    @Test
    public void gapsAndOverlapsAreRefused() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8);
        Path gap = handWritten("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data);
        assertTrue(expectThrows(CheckpointException.class, () -> Safetensors.open(gap)).getMessage()
                .contains("tensor a"));
        Path wrongSize = handWritten("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data);
        assertTrue(expectThrows(CheckpointException.class, () -> Safetensors.open(wrongSize)).getMessage()
                .contains("shape [3]"));
        Path other = handWritten("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data);
        try (Safetensors s = Safetensors.open(other)) {
            assertTrue(expectThrows(CheckpointException.class, () -> s.read("a")).getMessage().contains("I64"));
        }
    }
}
