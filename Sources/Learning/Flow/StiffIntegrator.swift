import CSUNDIALS

/// An initial value problem s′ = f(t, s), s(0) = s₀ in ℝⁿ, integrated by
/// SUNDIALS CVODE: variable-order (1–5), variable-step BDF with error control
/// (`relative`·|sᵢ| + `absolute` per coordinate and step), Newton iterations
/// on the dense Jacobian the caller supplies, factored by SUNDIALS' dense LU.
/// CVODE reuses a Jacobian over many steps and refreshes it when the Newton
/// iteration slows, which is what makes a stiff flow cheap.
///
/// Steps are taken one at a time (`step(until:)`), never past the stop time,
/// so a caller checks its own rules after every step and lands exactly on the
/// times it records. Deterministic: the same problem takes the same steps.
final class StiffIntegrator {
    /// f(t, s) into `derivative`; false when s is outside f's domain (CVODE
    /// then retries with a smaller step).
    typealias RightHandSide = (_ time: Double, _ state: UnsafePointer<Double>, _ derivative: UnsafeMutablePointer<Double>) -> Bool
    /// ∂f/∂s at (t, s), column-major n × n; false as for `RightHandSide`.
    typealias Jacobian = (_ time: Double, _ state: UnsafePointer<Double>, _ jacobian: UnsafeMutablePointer<Double>) -> Bool

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let dimension: Int
    private let rightHandSide: RightHandSide
    private let jacobian: Jacobian
    private var context: SUNContext?
    private var memory: UnsafeMutableRawPointer?
    private var vector: N_Vector?
    private var matrix: SUNMatrix?
    private var solver: SUNLinearSolver?
    /// CVODE's last error message (its handler is silenced into this).
    private var lastMessage = ""
    /// The time the integrator has reached.
    private(set) var time = 0.0

    init(start: [Double], tolerance: FlowTolerance, rightHandSide: @escaping RightHandSide,
         jacobian: @escaping Jacobian) throws {
        dimension = start.count
        self.rightHandSide = rightHandSide
        self.jacobian = jacobian
        guard SUNContext_Create(nil, &context) == 0, let context else { throw Failure(description: "SUNContext_Create failed") }
        guard let vector = N_VNew_Serial(sunindextype(dimension), context) else { throw Failure(description: "N_VNew_Serial failed") }
        self.vector = vector
        N_VGetArrayPointer(vector).update(from: start, count: dimension)
        guard let memory = CVodeCreate(CV_BDF, context) else { throw Failure(description: "CVodeCreate failed") }
        self.memory = memory
        let me = Unmanaged.passUnretained(self).toOpaque()
        CVodeSetErrHandlerFn(memory, { _, module, function, message, data in
            let me = Unmanaged<StiffIntegrator>.fromOpaque(data!).takeUnretainedValue()
            me.lastMessage = "\(function.map { String(cString: $0) } ?? "CVODE"): \(message.map { String(cString: $0) } ?? "")"
        }, me)
        try check(CVodeInit(memory, { time, state, derivative, data in
            let me = Unmanaged<StiffIntegrator>.fromOpaque(data!).takeUnretainedValue()
            return me.rightHandSide(time, N_VGetArrayPointer(state), N_VGetArrayPointer(derivative)) ? 0 : 1
        }, 0, vector), "CVodeInit")
        try check(CVodeSetUserData(memory, me), "CVodeSetUserData")
        try check(CVodeSStolerances(memory, tolerance.relative, tolerance.absolute), "CVodeSStolerances")
        guard let matrix = SUNDenseMatrix(sunindextype(dimension), sunindextype(dimension), context),
              let solver = SUNLinSol_Dense(vector, matrix, context) else { throw Failure(description: "the dense linear solver failed") }
        self.matrix = matrix
        self.solver = solver
        try check(CVodeSetLinearSolver(memory, solver, matrix), "CVodeSetLinearSolver")
        try check(CVodeSetJacFn(memory, { time, state, _, matrix, data, _, _, _ in
            let me = Unmanaged<StiffIntegrator>.fromOpaque(data!).takeUnretainedValue()
            return me.jacobian(time, N_VGetArrayPointer(state), SUNDenseMatrix_Data(matrix)) ? 0 : 1
        }), "CVodeSetJacFn")
        // The caller's rules bound the work; CVODE's own per-call step limit
        // (500) would end a long stiff stretch as an error.
        try check(CVodeSetMaxNumSteps(memory, -1), "CVodeSetMaxNumSteps")
        try check(CVodeSetMaxHnilWarns(memory, -1), "CVodeSetMaxHnilWarns")
    }

    deinit {
        if memory != nil { CVodeFree(&memory) }
        if let solver { SUNLinSolFree(solver) }
        if let matrix { SUNMatDestroy(matrix) }
        if let vector { N_VDestroy(vector) }
        if context != nil { SUNContext_Free(&context) }
    }

    /// The current state s(`time`).
    var state: UnsafeMutablePointer<Double> { N_VGetArrayPointer(vector) }

    /// One step, ending at `stop` if it would pass it; returns whether it did.
    func step(until stop: Double) throws(Failure) -> Bool {
        guard stop > time else { return true }
        if CVodeSetStopTime(memory, stop) != 0 { throw Failure(description: "CVodeSetStopTime(\(stop)) failed") }
        var reached = 0.0
        let flag = CVode(memory, stop, vector, &reached, CV_ONE_STEP)
        guard flag >= 0 else {
            throw Failure(description: lastMessage.isEmpty ? "CVODE failed with flag \(flag) at t = \(time)" : lastMessage)
        }
        time = reached
        return flag == CV_TSTOP_RETURN || reached >= stop
    }

    /// Steps taken, right-hand sides evaluated, Jacobians formed.
    var statistics: (steps: Int, evaluations: Int, jacobians: Int) {
        var steps = 0, evaluations = 0, jacobians = 0
        CVodeGetNumSteps(memory, &steps)
        CVodeGetNumRhsEvals(memory, &evaluations)
        CVodeGetNumJacEvals(memory, &jacobians)
        return (steps, evaluations, jacobians)
    }

    private func check(_ flag: Int32, _ call: String) throws {
        if flag != 0 { throw Failure(description: "\(call) failed (\(flag))\(lastMessage.isEmpty ? "" : ": \(lastMessage)")") }
    }
}
