// Options::device on the CPU (docs/design.md, "Device"): the names, the refusals of what the device
// path does not run, and the refusal of a device that is not there — a build without CUDA, or a
// machine without a CUDA device — with a message, never a silent fit on the CPU. These run
// everywhere; the device's own results are test_device_gpu.cpp's (label `gpu`).

#include <gtest/gtest.h>

#include <string>

#include <nmfkit/nmfkit.hpp>

#include "helpers.hpp"

namespace {

using nmfkit::Device;
using nmfkit::Loss;
using nmfkit::Options;
using nmfkit::Solver;
using nmfkit::test::message_of;  // "(no exception)" when none, which no expected part matches

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

nmfkit::Matrix<double> small_matrix() {
    nmfkit::Matrix<double> V(4, 3);
    V << 1, 2, 0, 3, 1, 1, 0, 2, 4, 1, 1, 1;
    return V;
}

TEST(Device, NamesRoundTrip) {
    EXPECT_EQ(nmfkit::device_from_string("cpu"), Device{});
    EXPECT_EQ(nmfkit::device_from_string("cuda"), (Device{Device::Kind::cuda, 0}));
    EXPECT_EQ(nmfkit::device_from_string("cuda:0"), (Device{Device::Kind::cuda, 0}));
    EXPECT_EQ(nmfkit::device_from_string("cuda:12"), (Device{Device::Kind::cuda, 12}));
    EXPECT_EQ(nmfkit::to_string(Device{}), "cpu");
    EXPECT_EQ(nmfkit::to_string(Device{Device::Kind::cuda, 0}), "cuda");
    EXPECT_EQ(nmfkit::to_string(Device{Device::Kind::cuda, 3}), "cuda:3");
    EXPECT_EQ(Options{}.device, Device{});  // the CPU unless asked
}

TEST(Device, BadNamesAreRefusedWithTheAcceptedForms) {
    for (const char* bad : {"gpu", "CUDA", "cuda:", "cuda:-1", "cuda:x", "cuda:1x", "cuda0", ""}) {
        const std::string m = message_of([&] { nmfkit::device_from_string(bad); });
        EXPECT_TRUE(has(m, "unknown device \"" + std::string(bad) + "\"")) << m;
        EXPECT_TRUE(has(m, "cpu, cuda or cuda:N")) << m;
    }
}

TEST(Device, BuildInfoListsTheDevicesOrWhyThereAreNone) {
    const nmfkit::BuildInfo b = nmfkit::build_info();
    if (b.devices.empty())
        EXPECT_FALSE(b.devices_note.empty());
    else
        EXPECT_TRUE(b.devices_note.empty());
    if (!b.cuda) {
        EXPECT_TRUE(b.devices.empty());
        EXPECT_TRUE(has(b.devices_note, "NMFKIT_WITH_CUDA=OFF")) << b.devices_note;
        EXPECT_TRUE(b.cuda_runtime.empty());
    } else {
        EXPECT_FALSE(b.cuda_runtime.empty());
    }
}

TEST(Device, TheCpuIsAlwaysThere) { EXPECT_NO_THROW(nmfkit::require_device(Device{})); }

// What the device path does not run is refused by name, on any machine, before the device is
// looked for.
TEST(Device, WhatTheDevicePathDoesNotRunIsRefused) {
    auto refused = [](Options o, const std::string& part) {
        o.rank = 2;
        o.device = {Device::Kind::cuda, 0};
        const std::string m = message_of([&] { nmfkit::validate(o); });
        EXPECT_TRUE(has(m, "device cuda: ")) << m;
        EXPECT_TRUE(has(m, part)) << m;
    };
    for (Solver s : {Solver::anls_bpp, Solver::als, Solver::cd, Solver::nenmf}) {
        Options o;
        o.solver = s;
        refused(o, "solver " + std::string(nmfkit::to_string(s)) +
                       " with loss frobenius runs on the CPU only");
    }
    Options kl_cd;
    kl_cd.loss = Loss::kullback_leibler;
    kl_cd.solver = Solver::cd;
    refused(kl_cd, "solver cd with loss kullback_leibler runs on the CPU only");
    Options beta;
    beta.loss = Loss::beta;
    refused(beta, "runs on the CPU only");
    Options missing;
    missing.missing = nmfkit::Missing::nan;
    refused(missing, "missing values and masks run on the CPU only");
    Options gradient;
    gradient.stop = nmfkit::StopRule::projected_gradient;
    refused(gradient, "projected_gradient rule runs on the CPU only");
    Options extrapolate;
    extrapolate.extrapolation = nmfkit::Extrapolation::on;
    refused(extrapolate, "extrapolation runs on the CPU only");
}

// Without a device (a build without CUDA, or no GPU here) every supported pair is refused, dense
// and sparse, float and double, naming why; the fit never runs on the CPU instead.
TEST(Device, NoDeviceIsAnErrorNeverACpuFallback) {
    const nmfkit::BuildInfo b = nmfkit::build_info();
    if (!b.devices.empty())
        GTEST_SKIP() << "a CUDA device is present (" << b.devices.front()
                     << "): the refusal of a missing one cannot be seen here";
    const std::string why =
        b.cuda ? "no CUDA device is available" : "this nmfkit was built without CUDA";
    const nmfkit::Matrix<double> V = small_matrix();
    const Eigen::SparseMatrix<double> S = V.sparseView();
    const nmfkit::Matrix<float> Vf = V.cast<float>();
    for (auto [s, l] :
         {std::pair{Solver::mu, Loss::frobenius}, std::pair{Solver::hals, Loss::frobenius},
          std::pair{Solver::mu, Loss::kullback_leibler}}) {
        Options o;
        o.rank = 2;
        o.solver = s;
        o.loss = l;
        for (const char* name : {"cuda", "cuda:1"}) {
            o.device = nmfkit::device_from_string(name);
            for (const std::string& m :
                 {message_of([&] { nmfkit::fit(nmfkit::DenseView<double>(V), o); }),
                  message_of([&] { nmfkit::fit(nmfkit::DenseView<float>(Vf), o); }),
                  message_of([&] { nmfkit::fit(nmfkit::SparseView<double, int>(S), o); })}) {
                EXPECT_TRUE(has(m, "device " + std::string(name) + ": " + why)) << m;
                EXPECT_TRUE(has(m, "use device cpu")) << m;
            }
        }
    }
}

}  // namespace
