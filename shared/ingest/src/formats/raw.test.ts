import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromHttp } from '../cloudevents.js'
import { binaryTensorBody } from './oip-binary.js'
import { rawValues } from './raw.js'

describe('raw tensor contents', () => {
  it('reads half precision, bfloat16 and 64-bit integers little-endian', () => {
    expect(rawValues(Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]), 'FP16', 3, 'x')).toEqual([1, -2, 0.5])
    expect(rawValues(Buffer.from([0x80, 0x3f, 0x40, 0xc0]), 'BF16', 2, 'x')).toEqual([1, -3])
    const i64 = Buffer.alloc(16)
    i64.writeBigInt64LE(-5n, 0)
    i64.writeBigUInt64LE(2n ** 40n, 8)
    expect(rawValues(i64.subarray(0, 8), 'INT64', 1, 'x')).toEqual([-5])
    expect(rawValues(i64.subarray(8), 'UINT64', 1, 'x')).toEqual([2 ** 40])
    expect(rawValues(Buffer.from([1, 0, 1]), 'BOOL', 3, 'x')).toEqual([true, false, true])
  })

  it('says when the bytes do not hold the shape', () => {
    expect(() => rawValues(Buffer.alloc(10), 'FP32', 3, 'inputs[0] (x)')).toThrow(
      'inputs[0] (x): raw contents hold 10 bytes; 3 FP32 values need 12',
    )
    expect(() => rawValues(Buffer.from([2, 0, 0, 0, 0x61]), 'BYTES', 1, 'y')).toThrow(
      'y: raw BYTES element of 2 bytes runs past the end',
    )
    expect(() => rawValues(Buffer.alloc(4), 'COMPLEX', 1, 'z')).toThrow('z: unknown datatype COMPLEX')
  })
})

describe('the binary-tensor extension over HTTP', () => {
  const fp32 = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer)
  const header = (json: object) => Buffer.from(JSON.stringify(json))
  const request = {
    id: 'bin-1',
    inputs: [
      { name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } },
      { name: 'country', shape: [2], datatype: 'BYTES', data: ['DE', 'FR'] },
    ],
  }

  it('reads each tensor from its bytes, with or without the header length', () => {
    const body = Buffer.concat([header(request), fp32([1.5, 2, -3, 4.25])])
    const want = {
      id: 'bin-1',
      inputs: [
        { name: 'x', shape: [2, 2], datatype: 'FP32', data: [1.5, 2, -3, 4.25] },
        { name: 'country', shape: [2], datatype: 'BYTES', data: ['DE', 'FR'] },
      ],
    }
    expect(binaryTensorBody(body)).toEqual(want)
    expect(binaryTensorBody(body, header(request).length)).toEqual(want)
    // A brace inside a string does not end the JSON.
    const tricky = { ...request, id: 'a}"{b' }
    expect(binaryTensorBody(Buffer.concat([header(tricky), fp32([1, 2, 3, 4])]))?.id).toBe('a}"{b')
  })

  it('is not one when nothing follows the JSON', () => {
    expect(binaryTensorBody(header(request))).toBeUndefined()
    expect(binaryTensorBody(Buffer.from([1, 2, 3]))).toBeUndefined()
  })

  it('says which tensor does not fit its bytes', () => {
    expect(() => binaryTensorBody(Buffer.concat([header(request), fp32([1, 2])]))).toThrow(
      'inputs[0] (x): 16 bytes of binary data, 8 left in the body',
    )
    expect(() => binaryTensorBody(Buffer.concat([header(request), fp32([1, 2, 3, 4, 5])]))).toThrow(
      "4 bytes after the tensors' binary data",
    )
  })

  it("arrives through a binary-mode CloudEvent as the JSON body (KServe's logger keeps the bytes)", () => {
    const headers = {
      'ce-specversion': '1.0',
      'ce-id': 'bin-1',
      'ce-source': 'triton',
      'ce-type': 'org.kubeflow.serving.inference.request',
      'ce-inferenceservicename': 'iris',
      'content-type': 'application/octet-stream',
    }
    const parsed = fromHttp(headers, Buffer.concat([header(request), fp32([1, 2, 3, 4])]))
    expect(parsed.ok && parsed.value[0]!.event.data).toMatchObject({
      inputs: [{ name: 'x', data: [1, 2, 3, 4] }, { name: 'country' }],
    })
    expect(parsed.ok && 'data_base64' in parsed.value[0]!.event).toBe(false)
    const bad = fromHttp(headers, Buffer.concat([header(request), fp32([1])]))
    expect(bad).toEqual({ ok: false, reason: 'inputs[0] (x): 16 bytes of binary data, 4 left in the body' })
  })

  it("reads a request of Triton's HTTP client (tritonclient, binary_data=True)", () => {
    const { triton_http } = JSON.parse(
      readFileSync(new URL('../../fixtures/recorded.json', import.meta.url), 'utf8'),
    ) as { triton_http: { request: string; json_size: number } }
    const bytes = Buffer.from(triton_http.request, 'base64')
    const rows = [
      [5.1, 3.5, 1.4, 0.2],
      [6.2, 2.9, 4.3, 1.3],
      [7.7, 3.0, 6.1, 2.3],
    ]
    const want = { name: 'input-0', shape: [3, 4], datatype: 'FP32', data: rows.flat().map(Math.fround) }
    expect(binaryTensorBody(bytes)).toMatchObject({ id: 'triton-http-1', inputs: [want] })
    expect(binaryTensorBody(bytes, triton_http.json_size)).toEqual(binaryTensorBody(bytes))
  })
})
