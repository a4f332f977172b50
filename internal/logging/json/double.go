package json

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Zeek's JSON formatter writes doubles with RapidJSON, whose Writer uses
// the Grisu2 algorithm (Loitsch, "Printing floating-point numbers quickly
// and accurately with integers", PLDI 2010) and its own layout rules. Grisu2
// yields the shortest representation for most values but not all: the
// packet time 1270318145.825158 comes out as 1270318145.8251581, so
// strconv's shortest formatting would differ now and then. This file
// implements the algorithm and the layout to produce the same digits.

const (
	dpSignificandSize = 52
	dpExponentBias    = 0x3ff + dpSignificandSize
	dpMinExponent     = -dpExponentBias
	dpHiddenBit       = uint64(1) << dpSignificandSize
	dpSignificandMask = dpHiddenBit - 1
	dpExponentMask    = uint64(0x7ff) << dpSignificandSize
)

// fp is an unnormalized binary floating-point number f × 2^e.
type fp struct {
	f uint64
	e int
}

func fpOf(d float64) fp {
	u := math.Float64bits(d)
	be := int((u & dpExponentMask) >> dpSignificandSize)
	sig := u & dpSignificandMask
	if be != 0 {
		return fp{sig + dpHiddenBit, be - dpExponentBias}
	}
	return fp{sig, dpMinExponent + 1}
}

// mul returns x × y rounded to 64 bits of significand.
func (x fp) mul(y fp) fp {
	h, l := bits.Mul64(x.f, y.f)
	if l&(1<<63) != 0 {
		h++
	}
	return fp{h, x.e + y.e + 64}
}

func (x fp) normalize() fp {
	s := bits.LeadingZeros64(x.f)
	return fp{x.f << s, x.e - s}
}

func (x fp) normalizeBoundary() fp {
	for x.f&(dpHiddenBit<<1) == 0 {
		x.f <<= 1
		x.e--
	}
	const shift = 64 - dpSignificandSize - 2
	return fp{x.f << shift, x.e - shift}
}

// boundaries returns the normalized neighbours half-way to the adjacent
// doubles, both with the exponent of the upper one.
func (x fp) boundaries() (minus, plus fp) {
	plus = fp{x.f<<1 + 1, x.e - 1}.normalizeBoundary()
	if x.f == dpHiddenBit {
		minus = fp{x.f<<2 - 1, x.e - 2}
	} else {
		minus = fp{x.f<<1 - 1, x.e - 1}
	}
	minus.f <<= uint(minus.e - plus.e)
	minus.e = plus.e
	return minus, plus
}

// cachedPowers holds 10^k for k = -348, -340, ..., 340 as 64-bit
// significands rounded to nearest, with their binary exponents.
var cachedPowers = func() [87]fp {
	var t [87]fp
	one := new(big.Float).SetPrec(64).SetInt64(1)
	for i := range t {
		k := -348 + 8*i
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(k))), nil)
		x := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven)
		if k >= 0 {
			x.SetInt(p)
		} else {
			x.Quo(one, new(big.Float).SetInt(p))
		}
		mant := new(big.Float)
		exp := x.MantExp(mant) // x = mant × 2^exp, 0.5 <= mant < 1
		f, _ := mant.SetMantExp(mant, 64).Uint64()
		t[i] = fp{f, exp - 64}
	}
	return t
}()

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}

// cachedPower returns a power of ten c = 10^-K such that e + c.e + 64 lies
// in Grisu's target range.
func cachedPower(e int) (fp, int) {
	// The explicit conversion keeps the product from being fused into a
	// multiply-add, which would change the rounding.
	dk := float64(float64(-61-e)*0.30102999566398114) + 347
	k := int(dk)
	if dk-float64(k) > 0 {
		k++
	}
	index := k>>3 + 1
	return cachedPowers[index], -(-348 + index<<3)
}

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

func countDigits(n uint32) int {
	for i := 1; i < 9; i++ {
		if uint64(n) < pow10[i] {
			return i
		}
	}
	return 9
}

func grisuRound(buf []byte, n int, delta, rest, tenKappa, wpw uint64) {
	for rest < wpw && delta-rest >= tenKappa &&
		(rest+tenKappa < wpw || wpw-rest > rest+tenKappa-wpw) {
		buf[n-1]--
		rest += tenKappa
	}
}

// digitGen writes the digits of w (between the boundaries mp−delta and
// mp) into buf and returns their count and the adjusted decimal exponent.
func digitGen(w, mp fp, delta uint64, buf []byte, k int) (int, int) {
	one := fp{1 << uint(-mp.e), mp.e}
	wpw := mp.f - w.f
	p1 := uint32(mp.f >> uint(-one.e))
	p2 := mp.f & (one.f - 1)
	kappa := countDigits(p1)
	n := 0
	for kappa > 0 {
		div := uint32(pow10[kappa-1])
		d := p1 / div
		p1 %= div
		if d != 0 || n != 0 {
			buf[n] = byte('0' + d)
			n++
		}
		kappa--
		tmp := uint64(p1)<<uint(-one.e) + p2
		if tmp <= delta {
			grisuRound(buf, n, delta, tmp, pow10[kappa]<<uint(-one.e), wpw)
			return n, k + kappa
		}
	}
	for {
		p2 *= 10
		delta *= 10
		d := byte(p2 >> uint(-one.e))
		if d != 0 || n != 0 {
			buf[n] = '0' + d
			n++
		}
		p2 &= one.f - 1
		kappa--
		if p2 < delta {
			var scale uint64
			if -kappa < len(pow10) {
				scale = pow10[-kappa]
			}
			grisuRound(buf, n, delta, p2, one.f, wpw*scale)
			return n, k + kappa
		}
	}
}

// grisu2 writes the digits of the positive finite v into buf; v equals
// digits × 10^k.
func grisu2(v float64, buf []byte) (n, k int) {
	x := fpOf(v)
	minus, plus := x.boundaries()
	c, k := cachedPower(plus.e)
	w := x.normalize().mul(c)
	wp := plus.mul(c)
	wm := minus.mul(c)
	wm.f++
	wp.f--
	return digitGen(w, wp, wp.f-wm.f, buf, k)
}

func appendExponent(b []byte, k int) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	return strconv.AppendInt(b, int64(k), 10)
}

// maxDecimalPlaces is RapidJSON's default limit on decimals; no double
// reaches it.
const maxDecimalPlaces = 324

// AppendDouble appends d as Zeek's JSON writer does: RapidJSON's number
// layout of the Grisu2 digits ("3.14", "100.0", "1e21", "1.5e-7",
// "0.001234", "-0.0"), and null for NaN and infinities.
func AppendDouble(b []byte, d float64) []byte {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return append(b, "null"...)
	}
	if d == 0 {
		if math.Signbit(d) {
			b = append(b, '-')
		}
		return append(b, "0.0"...)
	}
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	var digits [24]byte
	n, k := grisu2(d, digits[:])
	ds := digits[:n]
	kk := n + k // 10^(kk-1) <= d < 10^kk
	switch {
	case k >= 0 && kk <= 21:
		// 1234e7 → 12340000000.0
		b = append(b, ds...)
		for i := n; i < kk; i++ {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	case kk > 0 && kk <= 21:
		// 1234e-2 → 12.34
		b = append(b, ds[:kk]...)
		b = append(b, '.')
		return append(b, ds[kk:]...)
	case kk > -6 && kk <= 0:
		// 1234e-6 → 0.001234
		b = append(b, '0', '.')
		for i := kk; i < 0; i++ {
			b = append(b, '0')
		}
		return append(b, ds...)
	case kk < -maxDecimalPlaces:
		return append(b, "0.0"...)
	case n == 1:
		// 1e30
		b = append(b, ds[0], 'e')
		return appendExponent(b, kk-1)
	default:
		// 1234e30 → 1.234e33
		b = append(b, ds[0], '.')
		b = append(b, ds[1:]...)
		b = append(b, 'e')
		return appendExponent(b, kk-1)
	}
}
