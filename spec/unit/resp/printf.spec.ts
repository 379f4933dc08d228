/**
 * printf numeric conversions against outputs of glibc's printf (gcc on x86_64 Linux), through formatArgv.
 */
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import { formatArgv } from '../../../lib/resp/encode.js';

// biome-ignore lint/suspicious/noApproximativeNumericConstant: the C test input, not an approximation of π
const C_INPUT = 3.14159;

/** [format, argument, what C's printf printed] */
const C_DOUBLES: [string, number, string][] = [
  ['%05.1f', C_INPUT, '003.1'],
  ['%e', 12345.678, '1.234568e+04'],
  ['%g', 0.0001, '0.0001'],
  ['%g', 1e-5, '1e-05'],
  ['%a', 1.0, '0x1p+0'],
  ['%f', C_INPUT, '3.141590'],
  ['%.2f', C_INPUT, '3.14'],
  ['%.0f', 2.5, '2'],
  ['%.0f', 3.5, '4'],
  ['%.0f', 0.5, '0'],
  ['%.1f', 0.25, '0.2'],
  ['%.1f', 0.35, '0.3'],
  ['%.2e', 1.125, '1.12e+00'],
  ['%f', -0, '-0.000000'],
  ['%+f', Number.NaN, '+nan'],
  ['%010f', Number.POSITIVE_INFINITY, '       inf'],
  ['%-10f|', Number.NEGATIVE_INFINITY, '-inf      |'],
  ['%E', Number.POSITIVE_INFINITY, 'INF'],
  ['%F', Number.NaN, 'NAN'],
  ['%010.3f', -C_INPUT, '-00003.142'],
  ['%+.3e', 0, '+0.000e+00'],
  ['%#.0f', 1.0, '1.'],
  ['%#.0e', 1.0, '1.e+00'],
  ['%g', 100000, '100000'],
  ['%g', 1000000, '1e+06'],
  ['%g', 123456789, '1.23457e+08'],
  ['%#g', 1.0, '1.00000'],
  ['%G', 1e-10, '1E-10'],
  ['%.0g', 0, '0'],
  ['%.3g', 0.0001234, '0.000123'],
  ['%g', 0, '0'],
  ['%a', 0, '0x0p+0'],
  ['%a', -0, '-0x0p+0'],
  ['%a', 0.5, '0x1p-1'],
  ['%a', 3.14, '0x1.91eb851eb851fp+1'],
  ['%A', 255.5, '0X1.FFP+7'],
  ['%.0a', 1.5, '0x2p+0'],
  ['%.0a', 1.96875, '0x2p+0'],
  ['%.1a', 1.03125, '0x1.0p+0'],
  ['%.1a', 1.09375, '0x1.2p+0'],
  ['%a', 4.9406564584124654e-324, '0x0.0000000000001p-1022'],
  ['%a', 2.2250738585072014e-308, '0x1p-1022'],
  ['%#a', 1.0, '0x1.p+0'],
  ['%012a', -1.5, '-0x0001.8p+0'],
  ['%.3a', 1.0, '0x1.000p+0'],
  ['%a', 1.7976931348623157e308, '0x1.fffffffffffffp+1023'],
  ['%.0a', 1.9999999999999998, '0x2p+0'],
  ['%f', 1e21, '1000000000000000000000.000000'],
  ['%.3f', 1e-10, '0.000'],
  ['%e', 0, '0.000000e+00'],
  ['%e', 1e-300, '1.000000e-300'],
  ['%.20f', 0.1, '0.10000000000000000555'],
  ['% f', 1.0, ' 1.000000'],
  ['%+ f', 1.0, '+1.000000'],
  ['%.15g', 0.1, '0.1'],
  ['%.17g', 0.1, '0.10000000000000001'],
  ['%g', 1e100, '1e+100'],
  ['%g', 9.9999995e-5, '0.0001'],
  ['%g', 999999.5, '1e+06'],
  ['%#.3g', 1.0, '1.00'],
  ['%#g', 0, '0.00000'],
  ['%.0e', 5.0, '5e+00'],
  ['%.0e', 15.0, '2e+01'],
  ['%.0e', 25.0, '2e+01'],
  ['%e', 9.9999996, '1.000000e+01'],
  ['%.2f', 1.005, '1.00'],
  ['%-+8.2f|', C_INPUT, '+3.14   |'],
  ['% 08.2f', C_INPUT, ' 0003.14'],
  ['%8.3e', 1234.5, '1.234e+03'],
  ['%.1g', 0.05, '0.05'],
  ['%.1g', 0.15, '0.1'],
  ['%.1g', 0.25, '0.2'],
  ['%.0f', 1.2345678901234568e29, '123456789012345677877719597056'],
  ['%.40f', 5e-324 * 1e300, '0.0000000000000000000000049406564584124657'],
  ['%lf', 2.5, '2.500000'],
  ['%Lg', 2.5, '2.5'],
];

const C_INTEGERS: [string, number | bigint, string][] = [
  ['%x', 255, 'ff'],
  ['%+d', 5, '+5'],
  ['%d', -42, '-42'],
  ['%5d|', 42, '   42|'],
  ['%-5d|', 42, '42   |'],
  ['%05d', -42, '-0042'],
  ['% d', 42, ' 42'],
  ['%+ d', 42, '+42'],
  ['%.3d', 7, '007'],
  ['%08.3d', 7, '     007'],
  ['%.0d|', 0, '|'],
  ['%#o', 8, '010'],
  ['%#o', 0, '0'],
  ['%#.0o', 0, '0'],
  ['%#x', 0, '0'],
  ['%#x', 255, '0xff'],
  ['%#X', 255, '0XFF'],
  ['%#08x', 255, '0x0000ff'],
  ['%o', 8, '10'],
  ['%u', -1, '4294967295'],
  ['%x', -1, 'ffffffff'],
  ['%hhd', 300, '44'],
  ['%hhu', -1, '255'],
  ['%hd', 70000, '4464'],
  ['%hu', -1, '65535'],
  ['%hx', -2, 'fffe'],
  ['%lld', -9223372036854775808n, '-9223372036854775808'],
  ['%llu', -1, '18446744073709551615'],
  ['%llx', -1n, 'ffffffffffffffff'],
  ['%lu', 18446744073709551615n, '18446744073709551615'],
  ['%i', 123, '123'],
  ['%+u', 5, '5'],
  ['% x', 5, '5'],
  ['%-#10x|', 255, '0xff      |'],
  ['%+05d', 3, '+0003'],
  ['%-05d|', 3, '3    |'],
  ['%#.3o', 8, '010'],
  ['%#5o|', 8, '  010|'],
  ['%hhx', 255, 'ff'],
  ['%hhd', 128, '-128'],
  ['%.5x', 255, '000ff'],
  ['%#.5x', 255, '0x000ff'],
  ['%X', 3054, 'BEE'],
  ['%lo', 8, '10'],
  ['%zu', 42, '42'],
  ['%jd', -3, '-3'],
  ['%td', 7, '7'],
  ['%qd', 9, '9'],
];

function formatError(format: string, args: unknown[]): string {
  try {
    formatArgv(format, args);
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError);
    expect((error as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return (error as Error).message;
  }
  expect.fail(`no error for ${format}`);
}

describe('resp/printf numeric conversions (as C printf)', () => {
  describe('doubles', () => {
    for (const [format, value, output] of C_DOUBLES) {
      it(`${format} of ${Object.is(value, -0) ? '-0' : value} -> '${output}'`, () => {
        expect(formatArgv(format, [value])).to.deep.equal([output]);
      });
    }

    it('takes a bigint for a double conversion', () => {
      expect(formatArgv('%.1f', [3n])).to.deep.equal(['3.0']);
    });
  });

  describe('integers', () => {
    for (const [format, value, output] of C_INTEGERS) {
      it(`${format} of ${value} -> '${output}'`, () => {
        expect(formatArgv(format, [value])).to.deep.equal([output]);
      });
    }

    it('prints a JS integer beyond a C int whole rather than truncating it', () => {
      expect(formatArgv('%d', [5000000000])).to.deep.equal(['5000000000']);
      expect(formatArgv('%x', [2 ** 40])).to.deep.equal(['10000000000']);
      expect(formatArgv('%d', [2 ** 60])).to.deep.equal(['1152921504606846976']);
      expect(formatArgv('%d', [2n ** 70n])).to.deep.equal(['1180591620717411303424']);
      expect(formatArgv('%d', [-0])).to.deep.equal(['0']);
    });
  });

  describe('invalid conversions', () => {
    const cases: [string, unknown[], string][] = [
      ['%k', [], "Invalid format string: unsupported conversion '%k'"],
      ['SET %c', [65], "Invalid format string: unsupported conversion '%c'"],
      ['%n', [], "Invalid format string: unsupported conversion '%n'"],
      ['%p', [], "Invalid format string: unsupported conversion '%p'"],
      ['%*d', [3, 4], "Invalid format string: unsupported conversion '%*'"],
      ['%-08.3k', [], "Invalid format string: unsupported conversion '%-08.3k'"],
      ['%5', [1], "Invalid format string: incomplete conversion '%5' at the end"],
      ['%ll', [1], "Invalid format string: incomplete conversion '%ll' at the end"],
      ['%hf', [1], "Invalid format string: length modifier 'h' does not apply to '%hf'"],
      ['%llg', [1], "Invalid format string: length modifier 'll' does not apply to '%llg'"],
      ['%Ld', [1], "Invalid format string: length modifier 'L' does not apply to '%Ld'"],
      ['%lll', [1], "Invalid format string: unsupported conversion '%lll'"],
      [
        '%2000000d',
        [1],
        "Invalid format string: field width or precision 2000000 in '%2000000' exceeds 1048576",
      ],
      ['%d', [], 'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 0'],
      [
        '%d %d',
        [1],
        'Invalid format string: wrong number of arguments, expected 2 (one per conversion), got 1',
      ],
      [
        '%f',
        [1, 2],
        'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 2',
      ],
      [
        '%d',
        [undefined],
        "Invalid format string: '%d' expects an integer number or a bigint, got undefined (argument 1)",
      ],
      ['%f', [undefined], "Invalid format string: '%f' expects a number, got undefined (argument 1)"],
      [
        '%d',
        ['12'],
        "Invalid format string: '%d' expects an integer number or a bigint, got string (argument 1)",
      ],
      [
        '%d',
        [1.5],
        "Invalid format string: '%d' expects an integer number or a bigint, got the number 1.5 (argument 1)",
      ],
      [
        '%x',
        [null],
        "Invalid format string: '%x' expects an integer number or a bigint, got null (argument 1)",
      ],
      ['%.2f', ['1'], "Invalid format string: '%.2f' expects a number, got string (argument 1)"],
    ];
    for (const [format, args, message] of cases) {
      it(`${format} -> ${message}`, () => {
        expect(formatError(format, args)).to.equal(message);
      });
    }
  });
});
